// Places in arrival order: a waiter runs when it is the oldest and a place is free.
#include "policy/AgentSlots.hpp"

#include <algorithm>

namespace rivet::policy {

Slot::Slot(std::shared_ptr<AgentSlots> owner, uint64_t ticket, bool running)
    : owner_(std::move(owner)), ticket_(ticket), running_(running) {}

Slot::~Slot() {
  owner_->release(ticket_, running_);
}

bool Slot::running() const {
  std::lock_guard<std::mutex> lock(owner_->mutex_);
  return running_;
}

bool Slot::waitTurn(std::chrono::steady_clock::time_point until,
                    const std::function<bool()>& stop) {
  std::unique_lock<std::mutex> lock(owner_->mutex_);
  while (!running_) {
    if (owner_->promote(ticket_)) {
      running_ = true;
      break;
    }
    auto now = std::chrono::steady_clock::now();
    if (now >= until)
      return false;
    lock.unlock();
    bool stopped = stop && stop();
    lock.lock();
    if (stopped)
      return false;
    owner_->turn_.wait_until(lock, std::min(until, now + std::chrono::milliseconds(50)));
  }
  return true;
}

std::unique_ptr<Slot> AgentSlots::reserve() {
  std::lock_guard<std::mutex> lock(mutex_);
  const uint64_t ticket = nextTicket_++;
  if (running_ < max_ && waiters_.empty()) {
    ++running_;
    return std::unique_ptr<Slot>(new Slot(shared_from_this(), ticket, true));
  }
  if (static_cast<int>(waiters_.size()) >= queue_)
    return nullptr;
  waiters_.push_back(ticket);
  return std::unique_ptr<Slot>(new Slot(shared_from_this(), ticket, false));
}

bool AgentSlots::promote(uint64_t ticket) {
  if (running_ >= max_ || waiters_.empty() || waiters_.front() != ticket)
    return false;
  waiters_.pop_front();
  ++running_;
  return true;
}

void AgentSlots::release(uint64_t ticket, bool running) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (running)
      --running_;
    else
      waiters_.erase(std::remove(waiters_.begin(), waiters_.end(), ticket), waiters_.end());
  }
  turn_.notify_all();
}

int AgentSlots::running() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return running_;
}

int AgentSlots::waiting() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return static_cast<int>(waiters_.size());
}

} // namespace rivet::policy
