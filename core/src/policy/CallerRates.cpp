// Token buckets.
#include "policy/CallerRates.hpp"

#include <algorithm>
#include <cmath>

namespace rivet::policy {

int CallerRates::take(const std::string& caller, std::chrono::steady_clock::time_point now) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = buckets_.find(caller);
  if (it == buckets_.end()) {
    if (buckets_.size() >= kMaxCallers)
      prune(now);
    if (buckets_.size() >= kMaxCallers) // every one is busy: the newcomer waits its turn
      return std::max(1, static_cast<int>(std::ceil(1.0 / rate_)));
    it = buckets_.emplace(caller, Bucket{burst_, now}).first;
  }
  Bucket& b = it->second;
  double elapsed = std::chrono::duration<double>(now - b.at).count();
  b.tokens = std::min(burst_, b.tokens + std::max(0.0, elapsed) * rate_);
  b.at = now;
  if (b.tokens >= 1.0) {
    b.tokens -= 1.0;
    return 0;
  }
  return std::max(1, static_cast<int>(std::ceil((1.0 - b.tokens) / rate_)));
}

void CallerRates::prune(std::chrono::steady_clock::time_point now) {
  for (auto it = buckets_.begin(); it != buckets_.end();) {
    double elapsed = std::chrono::duration<double>(now - it->second.at).count();
    if (it->second.tokens + elapsed * rate_ >= burst_) // full again: same as never seen
      it = buckets_.erase(it);
    else
      ++it;
  }
}

} // namespace rivet::policy
