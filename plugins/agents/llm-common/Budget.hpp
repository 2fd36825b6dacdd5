// The time one task may take, end to end across every model turn and delegation: the shorter of
// the task's deadline and the agent's timeout_ms, with which of them it is, for messages.
#pragma once

#include <Poco/Timespan.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace rivet::llm {

class Budget {
public:
  using Clock = std::chrono::steady_clock;

  Budget(std::chrono::milliseconds total, std::string source);
  /// min(task timeout, timeout_ms), or a 120 s default when neither sets one.
  static Budget forTask(int64_t taskTimeoutMs, std::optional<int64_t> timeoutMs);

  bool passed() const { return Clock::now() >= end_; }
  /// What is left, never negative.
  std::chrono::milliseconds left() const;
  /// What is left as a Poco timespan, at least 1 ms (Poco reads 0 as "wait forever"), at most
  /// `cap`.
  Poco::Timespan leftSpan(std::chrono::milliseconds cap = std::chrono::milliseconds::max()) const;
  /// "300 ms (timeout_ms)".
  std::string describe() const;
  /// Whether the limit is the task's own deadline (which the host enforces on delegations too).
  bool isTaskDeadline() const { return source_ == "task deadline"; }

private:
  Clock::time_point end_;
  std::chrono::milliseconds total_;
  std::string source_;
};

} // namespace rivet::llm
