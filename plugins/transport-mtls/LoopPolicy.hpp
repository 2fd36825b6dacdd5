// How many of the I/O loops take connections (docs/transport.md "Loads of the I/O loops"): the
// fewest that carry the load. A second loop costs a wake-up and a context switch per request
// that one busy loop never pays; it is worth it only when the loops in use are near a whole core
// each and the machine has a core to spare for another one. Pure arithmetic on samples, so that
// its decisions can be tested by themselves.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>

namespace rivet::mtls {

class LoopPolicy {
public:
  // Mean load of the loops in use (a fraction of one core) at or above which one more is taken,
  // when the machine has at least kSpareCores idle, for kHotSamples samples in a row.
  static constexpr double kHot = 0.85;
  static constexpr double kSpareCores = 0.6;
  static constexpr int kHotSamples = 2;
  // One loop fewer once the load of those in use would leave the rest at most half busy, for
  // kColdSamples samples in a row.
  static constexpr double kCold = 0.5;
  static constexpr int kColdSamples = 4;

  explicit LoopPolicy(size_t loops) : loops_(std::max<size_t>(1, loops)) {}

  // One sample: `busy[i]` is loop i's CPU time over the sample's wall time (only the loops in
  // use are read); `idleCores` the machine's idle CPU time over it, in cores (negative: not
  // known, taken as enough). Returns the number of loops to use from now on.
  size_t next(const double* busy, double idleCores) {
    double sum = 0;
    for (size_t i = 0; i < active_; ++i)
      sum += busy[i];
    bool spare = idleCores < 0 || idleCores >= kSpareCores;
    bool hot = active_ < loops_ && sum / static_cast<double>(active_) >= kHot && spare;
    bool cold = active_ > 1 && sum <= kCold * static_cast<double>(active_ - 1);
    hot_ = hot ? hot_ + 1 : 0;
    cold_ = cold ? cold_ + 1 : 0;
    if (hot_ >= kHotSamples) {
      // As many more as there are idle cores, at most twice as many as now.
      double idle = idleCores < 0 ? 1 : std::floor(idleCores + 0.4);
      size_t more = std::clamp<size_t>(static_cast<size_t>(idle), 1, active_);
      active_ = std::min(loops_, active_ + more);
      hot_ = cold_ = 0;
    } else if (cold_ >= kColdSamples) {
      --active_;
      hot_ = cold_ = 0;
    }
    return active_;
  }

  size_t active() const { return active_; }

private:
  size_t loops_;
  size_t active_ = 1;
  int hot_ = 0;
  int cold_ = 0;
};

} // namespace rivet::mtls
