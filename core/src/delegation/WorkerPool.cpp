// Hand-off to idle workers; growth up to the configured size; refusal beyond it.
#include "delegation/WorkerPool.hpp"

namespace rivet::delegation {

WorkerPool::WorkerPool(int size) : size_(size < 1 ? 1 : size) {}

WorkerPool::~WorkerPool() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  ready_.notify_all();
  for (auto& t : threads_)
    t.join();
}

int WorkerPool::busy() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return busy_;
}

bool WorkerPool::trySubmit(std::function<void()> task) {
  std::unique_lock<std::mutex> lock(mutex_);
  if (stopping_)
    return false;
  if (idle_ > static_cast<int>(handoff_.size())) {
    handoff_.push_back(std::move(task));
    ++busy_;
    lock.unlock();
    ready_.notify_one();
    return true;
  }
  if (static_cast<int>(threads_.size()) >= size_)
    return false;
  handoff_.push_back(std::move(task));
  ++busy_;
  ++idle_; // the new thread counts as idle until it takes the task
  threads_.emplace_back([this] { run(); });
  return true;
}

void WorkerPool::run() {
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    ready_.wait(lock, [this] { return stopping_ || !handoff_.empty(); });
    if (handoff_.empty())
      return; // stopping and nothing left
    auto task = std::move(handoff_.front());
    handoff_.pop_front();
    --idle_;
    lock.unlock();
    task();
    lock.lock();
    --busy_;
    ++idle_;
  }
}

} // namespace rivet::delegation
