// Moves bytes between rivetd and a running command: feeds the task to its stdin while reading
// its stdout and stderr, all non-blocking under one poll, so that no order of reads and writes
// by the child can deadlock us.
#pragma once

#include "ChildProcess.hpp"

#include <cstddef>
#include <string>
#include <string_view>

namespace rivet::command {

struct CollectedOutput {
  std::string stdoutText; // at most the cap
  bool truncated = false; // stdout went beyond the cap; the rest was read and dropped
  std::string stderrTail; // the last kStderrTailBytes of stderr
};

class ChildIo {
public:
  static constexpr size_t kStderrTailBytes = 2048;

  /// `pipes` and `input` must outlive this object.
  ChildIo(ChildPipes& pipes, std::string_view input, size_t maxOutputBytes);

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

  ChildPipes& pipes_;
  std::string_view input_;
  size_t written_ = 0;
  size_t maxOutputBytes_;
  CollectedOutput out_;
};

} // namespace rivet::command
