// Capped exponential backoff for retrying an unreachable seed: first, 2 x first, ... up to cap.
#pragma once

#include <algorithm>
#include <cstdint>

namespace rivet::discovery_seed {

class Backoff {
public:
  Backoff(int64_t firstMs, int64_t capMs)
      : first_(std::max<int64_t>(1, std::min(firstMs, capMs))), cap_(std::max(capMs, first_)),
        next_(first_) {}

  /// The delay before the next attempt; each call doubles the following one, up to the cap.
  int64_t next() {
    const int64_t delay = next_;
    next_ = std::min(cap_, next_ * 2);
    return delay;
  }
  /// After a success: the next failure waits `first` again.
  void reset() { next_ = first_; }

private:
  int64_t first_;
  int64_t cap_;
  int64_t next_;
};

} // namespace rivet::discovery_seed
