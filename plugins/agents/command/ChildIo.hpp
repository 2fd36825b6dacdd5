// Moves bytes between rivetd and a running command: feeds the task to its stdin while reading
// its stdout and stderr, all non-blocking under one poll, so that no order of reads and writes
// by the child can deadlock us.
#pragma once

#include "ChildProcess.hpp"

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

namespace rivet::command {

struct CollectedOutput {
  std::string stdoutText; // at most the cap
  bool truncated = false; // stdout went beyond the cap; the rest was read and dropped
  std::string stderrTail; // the last kStderrTailBytes of stderr
};

/// Called with each line the program writes to stderr (without its line break; a line longer
/// than kMaxLineBytes comes in pieces of that size; a last line without a break at the end).
using LineSink = std::function<void(std::string_view line)>;

class ChildIo {
public:
  static constexpr size_t kStderrTailBytes = 2048;
  static constexpr size_t kMaxLineBytes = 4096;

  /// `pipes` and `input` must outlive this object.
  ChildIo(ChildPipes& pipes, std::string_view input, size_t maxOutputBytes,
          LineSink stderrLines = {});

  /// Waits up to `waitMs` for a pipe to be ready, then moves what it can without blocking.
  /// With every pipe closed it just sleeps `waitMs`.
  void pump(int waitMs);
  /// Both stdout and stderr have reached end of file.
  bool outputClosed() const;
  CollectedOutput take();

private:
  void writeInput();
  void readStdout();
  void readStderr();
  void splitLines(std::string_view chunk, bool atEnd);
  static size_t pieceEnd(std::string_view s);

  ChildPipes& pipes_;
  std::string_view input_;
  size_t written_ = 0;
  size_t maxOutputBytes_;
  CollectedOutput out_;
  LineSink stderrLines_;
  std::string partialLine_;
};

} // namespace rivet::command
