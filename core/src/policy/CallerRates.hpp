// The rate limit per caller (policy.rate_limit): a token bucket for each caller node, refilled
// at per_second up to burst. Buckets of callers not seen for a while are forgotten, and at most
// kMaxCallers are kept (a full one is as good as a forgotten one).
#pragma once

#include <chrono>
#include <mutex>
#include <string>
#include <unordered_map>

namespace rivet::policy {

class CallerRates {
public:
  static constexpr size_t kMaxCallers = 4096;
  CallerRates(double perSecond, double burst) : rate_(perSecond), burst_(burst) {}

  // 0 when `caller` may go on (a token taken); else the seconds until it may (at least 1).
  int take(const std::string& caller, std::chrono::steady_clock::time_point now);

private:
  struct Bucket {
    double tokens;
    std::chrono::steady_clock::time_point at;
  };
  void prune(std::chrono::steady_clock::time_point now); // under mutex_

  const double rate_;
  const double burst_;
  std::mutex mutex_;
  std::unordered_map<std::string, Bucket> buckets_;
};

} // namespace rivet::policy
