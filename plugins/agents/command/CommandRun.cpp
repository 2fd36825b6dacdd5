// The life of one command run. The child is reaped only at the very end: until then its zombie
// keeps the process group id reserved, so a group signal can never reach a stranger.
#include "CommandRun.hpp"

#include <signal.h>
#include <sys/wait.h>

#include <algorithm>
#include <chrono>
#include <optional>
#include <system_error>

namespace rivet::command {
namespace {

using Clock = std::chrono::steady_clock;

int msUntil(Clock::time_point t, Clock::time_point now) {
  auto left = std::chrono::ceil<std::chrono::milliseconds>(t - now).count();
  return static_cast<int>(std::clamp<int64_t>(left, 0, CommandRun::kPollMs));
}

} // namespace

CommandRun::CommandRun(const CommandSettings& settings, std::vector<std::string> env,
                       std::string_view input, int64_t deadlineMs, std::function<bool()> cancelled,
                       LineSink stderrLines)
    : settings_(settings), env_(std::move(env)), input_(input), deadlineMs_(deadlineMs),
      cancelled_(std::move(cancelled)), stderrLines_(std::move(stderrLines)) {}

RunOutcome CommandRun::run() {
  RunOutcome outcome;
  std::optional<ChildProcess> child;
  try {
    child.emplace(settings_.program, settings_.argv, env_, settings_.cwd);
  } catch (const std::system_error& e) {
    outcome.end = RunOutcome::End::NotStarted;
    outcome.startError = e.code().message();
    return outcome;
  }
  ChildIo io(child->pipes(), input_, settings_.maxOutputBytes, stderrLines_);
  outcome.end = awaitEnd(*child, io);
  if (outcome.end == RunOutcome::End::TimedOut || outcome.end == RunOutcome::End::Cancelled)
    terminateGroup(*child, io);
  const int status = child->reap();
  if (outcome.end == RunOutcome::End::Exited) {
    if (status < 0) {
      outcome.end = RunOutcome::End::StatusLost;
    } else if (WIFSIGNALED(status)) {
      outcome.end = RunOutcome::End::Signaled;
      outcome.code = WTERMSIG(status);
    } else {
      outcome.code = WEXITSTATUS(status);
    }
  }
  outcome.output = io.take();
  return outcome;
}

// Exchanges bytes until the child has exited and its output is closed (or lingers), the
// deadline passes, or the task is cancelled. Exited here means "ended on its own".
RunOutcome::End CommandRun::awaitEnd(ChildProcess& child, ChildIo& io) {
  const auto start = Clock::now();
  const std::optional<Clock::time_point> deadline =
      deadlineMs_ > 0 ? std::optional(start + std::chrono::milliseconds(deadlineMs_))
                      : std::nullopt;
  std::optional<Clock::time_point> exitedAt;
  int quietWaitMs = 1; // output closed, child not yet gone: look again soon, then less often
  for (;;) {
    if (cancelled_ && cancelled_())
      return RunOutcome::End::Cancelled;
    const auto now = Clock::now();
    if (deadline && now >= *deadline)
      return RunOutcome::End::TimedOut;
    if (!exitedAt && child.hasExited())
      exitedAt = now;
    if (exitedAt && (io.outputClosed() || now - *exitedAt >= std::chrono::milliseconds(kLingerMs)))
      return RunOutcome::End::Exited;

    int waitMs = kPollMs;
    if (deadline)
      waitMs = std::min(waitMs, msUntil(*deadline, now));
    if (exitedAt)
      waitMs = std::min(waitMs, msUntil(*exitedAt + std::chrono::milliseconds(kLingerMs), now));
    if (io.outputClosed() && !exitedAt) {
      waitMs = std::min(waitMs, quietWaitMs);
      quietWaitMs = std::min(quietWaitMs * 2, kPollMs);
    }
    io.pump(waitMs);
  }
}

// SIGTERM to the group; once the leader is gone or the grace is over, SIGKILL to whatever is
// left (a grandchild ignoring SIGTERM outlives its parent otherwise). Output keeps draining
// meanwhile so that a child writing on its way out is not stuck on a full pipe.
void CommandRun::terminateGroup(ChildProcess& child, ChildIo& io) {
  child.signalGroup(SIGTERM);
  const auto graceEnd = Clock::now() + std::chrono::milliseconds(settings_.killGraceMs);
  int waitMs = 1;
  for (;;) {
    const auto now = Clock::now();
    if (now >= graceEnd || child.hasExited())
      break;
    io.pump(std::min(waitMs, msUntil(graceEnd, now)));
    waitMs = std::min(waitMs * 2, 20);
  }
  child.signalGroup(SIGKILL);
}

} // namespace rivet::command
