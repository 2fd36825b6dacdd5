// Admission per agent (policy.agents.<id>.max_concurrent and queue): at most max_concurrent
// tasks of the agent run at once and at most `queue` more wait, in arrival order; beyond both a
// task is refused at once (429). A waiting task's deadline counts while it waits.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>

namespace rivet::policy {

class AgentSlots;

// One task's place: running or waiting. Destroying it frees the place (and wakes the next).
class Slot {
public:
  ~Slot();
  Slot(const Slot&) = delete;
  Slot& operator=(const Slot&) = delete;

  // Waits until the task may run. False when `until` passed or `stop()` said so first (checked
  // every 50 ms); the place is then still held until the Slot is destroyed.
  bool waitTurn(std::chrono::steady_clock::time_point until, const std::function<bool()>& stop);
  bool running() const;

private:
  friend class AgentSlots;
  Slot(std::shared_ptr<AgentSlots> owner, uint64_t ticket, bool running);
  std::shared_ptr<AgentSlots> owner_;
  uint64_t ticket_;
  bool running_;
};

class AgentSlots : public std::enable_shared_from_this<AgentSlots> {
public:
  AgentSlots(int maxConcurrent, int queue) : max_(maxConcurrent), queue_(queue) {}

  // A place, or null when max_concurrent run and `queue` wait already.
  std::unique_ptr<Slot> reserve();
  int maxConcurrent() const { return max_; }
  int queue() const { return queue_; }
  int running() const;
  int waiting() const;

private:
  friend class Slot;
  void release(uint64_t ticket, bool running);
  bool promote(uint64_t ticket); // under mutex_: the oldest waiter takes a free place

  const int max_;
  const int queue_;
  mutable std::mutex mutex_;
  std::condition_variable turn_;
  int running_ = 0;
  uint64_t nextTicket_ = 0;
  std::deque<uint64_t> waiters_; // tickets of waiting tasks, oldest first (at most queue_)
};

} // namespace rivet::policy
