// Building blocks of /metrics (docs/operations-metrics.md): the Prometheus text exposition
// format, lock-free counters and histograms, and label sets of bounded size.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace rivet::metrics {

// A label value escaped for the text format: backslash, double quote and newline.
std::string escapeLabel(std::string_view value);

using Labels = std::vector<std::pair<std::string, std::string>>;

// Appends metric families in the text exposition format (version 0.0.4).
class TextWriter {
public:
  // # HELP and # TYPE lines; `type` is counter, gauge or histogram.
  void family(const std::string& name, const std::string& help, const char* type);
  void sample(const std::string& name, const Labels& labels, double value);
  void sample(const std::string& name, const Labels& labels, uint64_t value);
  const std::string& text() const { return out_; }

private:
  void head(const std::string& name, const Labels& labels);
  std::string out_;
};

// A histogram with fixed upper bounds (seconds); observe() is wait-free.
class Histogram {
public:
  static constexpr size_t kMaxBuckets = 16;
  enum class Kind { Task, Registry };
  explicit Histogram(Kind kind = Kind::Task);
  void observe(double seconds);
  // The _bucket, _sum and _count lines of `name` with `labels` (the family head is the caller's).
  void write(TextWriter& w, const std::string& name, const Labels& labels) const;
  uint64_t count() const { return count_.load(std::memory_order_relaxed); }

private:
  const double* bounds_;
  size_t size_;
  std::array<std::atomic<uint64_t>, kMaxBuckets> buckets_{}; // per bucket, not cumulative
  std::atomic<uint64_t> count_{0};
  std::atomic<uint64_t> sumMicros_{0};
};

// The name that collects every label value beyond a LabelSlots' capacity.
inline constexpr const char* kOtherLabel = "(other)";

// Up to N label values, each with its own T (atomics), found without a lock once it exists;
// a new value takes a slot under a mutex. Values beyond N share one T, reported as "(other)".
template <typename T, size_t N> class LabelSlots {
public:
  T& get(std::string_view key) {
    size_t n = used_.load(std::memory_order_acquire);
    for (size_t i = 0; i < n; ++i)
      if (slots_[i].key == key)
        return slots_[i].value;
    std::lock_guard<std::mutex> lock(mutex_);
    n = used_.load(std::memory_order_relaxed);
    for (size_t i = 0; i < n; ++i)
      if (slots_[i].key == key)
        return slots_[i].value;
    if (n == N) {
      otherUsed_.store(true, std::memory_order_relaxed);
      return other_;
    }
    slots_[n].key = std::string(key);
    used_.store(n + 1, std::memory_order_release);
    return slots_[n].value;
  }
  // fn(label, const T&) for every value in first-use order, then "(other)" once it was used.
  template <typename Fn> void forEach(Fn&& fn) const {
    size_t n = used_.load(std::memory_order_acquire);
    for (size_t i = 0; i < n; ++i)
      fn(slots_[i].key, slots_[i].value);
    if (otherUsed_.load(std::memory_order_relaxed))
      fn(std::string(kOtherLabel), other_);
  }

private:
  struct Slot {
    std::string key; // written once, before used_ publishes it
    T value;
  };
  std::array<Slot, N> slots_{};
  std::atomic<size_t> used_{0};
  std::atomic<bool> otherUsed_{false};
  T other_{};
  std::mutex mutex_;
};

} // namespace rivet::metrics
