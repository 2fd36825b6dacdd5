// Runs one task through the configured program: start it, exchange bytes until it exits, and
// on the deadline or cancellation take its whole process group down (SIGTERM, then SIGKILL).
#pragma once

#include "ChildIo.hpp"
#include "CommandSettings.hpp"

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace rivet::command {

struct RunOutcome {
  enum class End {
    Exited,     // `code` is the exit status
    Signaled,   // `code` is the signal that ended it
    StatusLost, // it ended, but someone else reaped it (SIGCHLD ignored)
    TimedOut,   // the deadline passed; the group was killed
    Cancelled,  // the host gave up on the task; the group was killed
    NotStarted  // `startError` says why
  };
  End end = End::NotStarted;
  int code = 0;
  std::string startError;
  CollectedOutput output;
};

class CommandRun {
public:
  /// How long to keep reading after the program exited while something it started still
  /// holds its stdout or stderr open.
  static constexpr int64_t kLingerMs = 250;
  /// Longest wait between two looks at the cancellation flag.
  static constexpr int kPollMs = 50;

  /// `deadlineMs` 0: none. `cancelled` is polled at least every kPollMs.
  /// `stderrLines` (may be empty) sees each line the program writes to stderr as it comes.
  CommandRun(const CommandSettings& settings, std::vector<std::string> env, std::string_view input,
             int64_t deadlineMs, std::function<bool()> cancelled, LineSink stderrLines = {});

  RunOutcome run();

private:
  RunOutcome::End awaitEnd(ChildProcess& child, ChildIo& io);
  void terminateGroup(ChildProcess& child, ChildIo& io);

  const CommandSettings& settings_;
  std::vector<std::string> env_;
  std::string_view input_;
  int64_t deadlineMs_;
  std::function<bool()> cancelled_;
  LineSink stderrLines_;
};

} // namespace rivet::command
