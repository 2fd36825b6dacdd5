// Keeps plugin threads that outlive the node (an agent still running after the shutdown grace)
// from reaching it: every host call that reaches the node passes the gate, and closing it waits
// for the calls in progress and refuses the rest.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>

namespace rivet::plugin {

class HostGate {
public:
  // True (and the call counted) while the gate is open; pair it with leave(). One atomic step
  // in and one out, no lock: every request passes the gate several times, from every I/O
  // thread at once.
  bool enter() {
    if (state_.fetch_add(kCall) & kClosed) {
      leave();
      return false;
    }
    return true;
  }
  void leave() {
    if (state_.fetch_sub(kCall) - kCall == kClosed) { // the last call in progress at close()
      std::lock_guard<std::mutex> lock(mutex_);
      idle_.notify_all();
    }
  }
  // From now on enter() fails; returns once no call is in progress. Calls may nest (a host call
  // that runs an inline agent which calls the host again): they are counted, not locked.
  void close() {
    state_.fetch_or(kClosed);
    std::unique_lock<std::mutex> lock(mutex_);
    idle_.wait(lock, [this] { return state_.load() == kClosed; });
  }

private:
  static constexpr int64_t kClosed = 1;
  static constexpr int64_t kCall = 2;
  std::atomic<int64_t> state_{0}; // kCall for each call in progress, plus kClosed once closed
  std::mutex mutex_;              // what close() waits on
  std::condition_variable idle_;
};

} // namespace rivet::plugin
