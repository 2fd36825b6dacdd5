// A budget of bytes held at once by many holders, on any thread: the listeners' request bodies
// (mesh.channel.max_inflight_body_bytes) and both clients' answers from peers
// (mesh.channel.max_inflight_answer_bytes). A holder takes bytes as they arrive and gives them
// back when it is done with them.
#pragma once

#include <atomic>
#include <cstdint>

namespace rivet::mtls {

class ByteBudget {
public:
  explicit ByteBudget(uint64_t cap) : cap_(cap) {}
  // Before anything is taken (the transport reads its settings after building its clients).
  void setCap(uint64_t cap) { cap_ = cap; }

  uint64_t cap() const { return cap_; }
  uint64_t held() const { return held_.load(std::memory_order_relaxed); }
  // `bytes` more would fit now.
  bool fits(uint64_t bytes) const {
    uint64_t held = held_.load(std::memory_order_relaxed);
    return bytes <= cap_ && held <= cap_ - bytes;
  }
  // Takes `bytes` more; false, and nothing taken, when they do not fit.
  bool take(uint64_t bytes) {
    uint64_t held = held_.load(std::memory_order_relaxed);
    do {
      if (bytes > cap_ || held > cap_ - bytes)
        return false;
    } while (!held_.compare_exchange_weak(held, held + bytes, std::memory_order_relaxed));
    return true;
  }
  void give(uint64_t bytes) { held_.fetch_sub(bytes, std::memory_order_relaxed); }

private:
  uint64_t cap_;
  std::atomic<uint64_t> held_{0};
};

// One holder's bytes of a budget: grown as its bytes arrive, given back when it goes.
class BudgetShare {
public:
  explicit BudgetShare(ByteBudget& budget) : budget_(budget) {}
  ~BudgetShare() { release(); }
  BudgetShare(const BudgetShare&) = delete;
  BudgetShare& operator=(const BudgetShare&) = delete;

  // The share becomes at least `total` bytes; false, and unchanged, when that does not fit.
  bool growTo(uint64_t total) {
    if (total <= bytes_)
      return true;
    if (!budget_.take(total - bytes_))
      return false;
    bytes_ = total;
    return true;
  }
  const ByteBudget& budget() const { return budget_; }
  void release() {
    budget_.give(bytes_);
    bytes_ = 0;
  }

private:
  ByteBudget& budget_;
  uint64_t bytes_ = 0;
};

} // namespace rivet::mtls
