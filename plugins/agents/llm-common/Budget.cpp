// The task budget: one steady-clock end point computed when the task starts.
#include "Budget.hpp"

#include <algorithm>

namespace rivet::llm {

using std::chrono::milliseconds;

namespace {
constexpr int64_t kFallbackTimeoutMs = 120000; // when neither the task nor timeout_ms sets one
}

Budget::Budget(milliseconds total, std::string source)
    : end_(Clock::now() + total), total_(total), source_(std::move(source)) {}

Budget Budget::forTask(int64_t taskTimeoutMs, std::optional<int64_t> timeoutMs) {
  if (taskTimeoutMs > 0 && (!timeoutMs || taskTimeoutMs <= *timeoutMs))
    return {milliseconds(taskTimeoutMs), "task deadline"};
  if (timeoutMs)
    return {milliseconds(*timeoutMs), "timeout_ms"};
  return {milliseconds(kFallbackTimeoutMs), "default deadline"};
}

milliseconds Budget::left() const {
  auto ms = std::chrono::duration_cast<milliseconds>(end_ - Clock::now());
  return std::max(ms, milliseconds(0));
}

Poco::Timespan Budget::leftSpan(milliseconds cap) const {
  milliseconds ms = std::clamp(left(), milliseconds(1), std::max(cap, milliseconds(1)));
  return Poco::Timespan(static_cast<Poco::Timespan::TimeDiff>(ms.count()) * 1000);
}

std::string Budget::describe() const {
  return std::to_string(total_.count()) + " ms (" + source_ + ")";
}

} // namespace rivet::llm
