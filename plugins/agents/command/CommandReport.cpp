// Result texts of the command agent. Cut output is cut on a UTF-8 character boundary, so the
// answer stays valid text when a cap or the stderr tail falls inside a character.
#include "CommandReport.hpp"

#include <string.h>

namespace rivet::command {
namespace {

bool isContinuation(char c) {
  return (static_cast<unsigned char>(c) & 0xC0) == 0x80;
}

size_t sequenceLength(char lead) {
  const auto c = static_cast<unsigned char>(lead);
  return c < 0x80             ? 1
         : (c & 0xE0) == 0xC0 ? 2
         : (c & 0xF0) == 0xE0 ? 3
         : (c & 0xF8) == 0xF0 ? 4
                              : 1;
}

// Drops a multi-byte character left incomplete at the end of `s`.
void dropPartialTail(std::string& s) {
  size_t i = s.size();
  size_t back = 0;
  while (i > 0 && back < 3 && isContinuation(s[i - 1])) {
    --i;
    ++back;
  }
  if (i > 0 && sequenceLength(s[i - 1]) > back + 1)
    s.resize(i - 1);
}

std::string signalName(int signal) {
  const char* abbrev = sigabbrev_np(signal);
  return abbrev ? std::string("SIG") + abbrev : "signal " + std::to_string(signal);
}

std::string answer(CollectedOutput& out, size_t maxOutputBytes) {
  std::string text = std::move(out.stdoutText);
  if (!out.truncated) {
    if (!text.empty() && text.back() == '\n')
      text.pop_back();
    return text;
  }
  dropPartialTail(text);
  if (!text.empty() && text.back() != '\n')
    text += '\n';
  return text + "[output truncated at " + std::to_string(maxOutputBytes) + " bytes]";
}

// The stderr tail without a character cut at its start and without trailing blank lines.
std::string stderrTail(const CollectedOutput& out) {
  const std::string& s = out.stderrTail;
  size_t start = 0;
  while (start < s.size() && start < 3 && isContinuation(s[start]))
    ++start;
  const size_t last = s.find_last_not_of(" \t\r\n");
  if (last == std::string::npos || last < start)
    return {};
  return s.substr(start, last + 1 - start);
}

} // namespace

sdk::TaskResult reportOutcome(RunOutcome outcome, const std::string& argv0, int64_t deadlineMs,
                              size_t maxOutputBytes) {
  const std::string name = "command " + argv0;
  const std::string tail = stderrTail(outcome.output);
  switch (outcome.end) {
  case RunOutcome::End::Exited:
    if (outcome.code == 0)
      return sdk::TaskResult::completed(answer(outcome.output, maxOutputBytes));
    return sdk::TaskResult::failed(name + " exited with status " + std::to_string(outcome.code) +
                                   (tail.empty() ? " and wrote nothing to stderr" : ": " + tail));
  case RunOutcome::End::Signaled:
    return sdk::TaskResult::failed(name + " was killed by " + signalName(outcome.code) +
                                   (tail.empty() ? "" : ": " + tail));
  case RunOutcome::End::StatusLost:
    return sdk::TaskResult::failed(name + " ended, but its exit status went to another reaper; "
                                          "make sure SIGCHLD is not ignored in rivetd");
  case RunOutcome::End::TimedOut:
    return sdk::TaskResult::timeout(name + " did not finish within " + std::to_string(deadlineMs) +
                                    " ms; killed its process group");
  case RunOutcome::End::Cancelled:
    return sdk::TaskResult::failed(name + " was cancelled; killed its process group");
  case RunOutcome::End::NotStarted:
    break;
  }
  return sdk::TaskResult::failed(name + " could not be started: " + outcome.startError +
                                 "; check argv and cwd in this agent's settings");
}

} // namespace rivet::command
