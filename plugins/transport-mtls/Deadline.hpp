// A point in time an I/O operation must finish by, and the milliseconds left until it.
#pragma once

#include <algorithm>
#include <chrono>

namespace rivet::mtls {

using Clock = std::chrono::steady_clock;

class Deadline {
public:
  // `ms` is capped at 30 days: a peer's huge timeoutMs must not overflow the clock into the past.
  static Deadline in(std::chrono::milliseconds ms) {
    return Deadline(Clock::now() + std::min(ms, std::chrono::milliseconds(30LL * 86400000)));
  }
  explicit Deadline(Clock::time_point at) : at_(at) {}
  // Milliseconds left, at least 0, for poll().
  int remainingMs() const {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(at_ - Clock::now()).count();
    return left < 0 ? 0 : static_cast<int>(left > 86400000 ? 86400000 : left);
  }
  bool passed() const { return Clock::now() >= at_; }
  Clock::time_point at() const { return at_; }

private:
  Clock::time_point at_;
};

} // namespace rivet::mtls
