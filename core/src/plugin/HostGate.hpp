// Keeps plugin threads that outlive the node (an agent still running after the shutdown grace)
// from reaching it: every host call that reaches the node passes the gate, and closing it waits
// for the calls in progress and refuses the rest.
#pragma once

#include <condition_variable>
#include <mutex>

namespace rivet::plugin {

class HostGate {
public:
  // True (and the call counted) while the gate is open; pair it with leave().
  bool enter() {
    std::lock_guard<std::mutex> lock(mutex_);
    if (closed_)
      return false;
    ++active_;
    return true;
  }
  void leave() {
    std::lock_guard<std::mutex> lock(mutex_);
    if (--active_ == 0)
      idle_.notify_all();
  }
  // From now on enter() fails; returns once no call is in progress. Calls may nest (a host call
  // that runs an inline agent which calls the host again): they are counted, not locked.
  void close() {
    std::unique_lock<std::mutex> lock(mutex_);
    closed_ = true;
    idle_.wait(lock, [this] { return active_ == 0; });
  }

private:
  std::mutex mutex_;
  std::condition_variable idle_;
  int active_ = 0;
  bool closed_ = false;
};

} // namespace rivet::plugin
