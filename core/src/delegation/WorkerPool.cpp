// Hand-off to idle workers; growth up to the configured size; refusal beyond it. Threads are
// detached and share the pool's state, so a stuck agent can never block the daemon's exit.
// Locks: the pool's, then a worker's; never the other way round.
#include "delegation/WorkerPool.hpp"

#include <openssl/crypto.h>

#include <algorithm>
#include <thread>

namespace rivet::delegation {

WorkerPool::WorkerPool(int size) : size_(size < 1 ? 1 : size), state_(std::make_shared<State>()) {}

WorkerPool::~WorkerPool() {
  drain(std::chrono::seconds(5));
}

int WorkerPool::busy() const {
  std::lock_guard<std::mutex> lock(state_->mutex);
  return state_->busy;
}

int WorkerPool::queued() const {
  return state_->queued.load(std::memory_order_relaxed);
}

bool WorkerPool::drain(std::chrono::milliseconds limit) {
  std::unique_lock<std::mutex> lock(state_->mutex);
  state_->stopping = true;
  for (Worker* w : state_->idle) {
    {
      std::lock_guard<std::mutex> wl(w->mutex);
      w->stop = true;
    }
    w->wake.notify_one();
  }
  return state_->finished.wait_for(lock, limit, [this] { return state_->threads == 0; });
}

bool WorkerPool::trySubmit(std::function<void()> task) {
  State& s = *state_;
  std::unique_lock<std::mutex> lock(s.mutex);
  if (s.stopping)
    return false;
  if (!s.idle.empty()) {
    Worker* w = s.idle.back(); // off the list: only this call may hand it work or stop it
    s.idle.pop_back();
    ++s.busy;
    s.queued.fetch_add(1, std::memory_order_relaxed);
    lock.unlock();
    {
      std::lock_guard<std::mutex> wl(w->mutex);
      w->task = std::move(task);
    }
    w->wake.notify_one();
    return true;
  }
  if (s.threads >= size_)
    return false;
  ++s.busy;
  ++s.threads;
  s.queued.fetch_add(1, std::memory_order_relaxed); // until the new thread takes it
  lock.unlock();
  try {
    std::thread(&WorkerPool::run, state_, std::move(task)).detach();
  } catch (...) { // no thread could be made: refused as when every worker is busy
    lock.lock();
    --s.busy;
    --s.threads;
    s.queued.fetch_sub(1, std::memory_order_relaxed);
    s.finished.notify_all();
    return false;
  }
  return true;
}

void WorkerPool::run(std::shared_ptr<State> state, std::function<void()> first) {
  State& s = *state;
  Worker self;
  std::function<void()> task = std::move(first);
  for (;;) {
    s.queued.fetch_sub(1, std::memory_order_relaxed);
    task();
    task = nullptr; // release what the task held before reporting it finished
    {
      std::lock_guard<std::mutex> lock(s.mutex);
      --s.busy;
      s.finished.notify_all();
      if (s.stopping)
        break;
      s.idle.push_back(&self);
    }
    std::unique_lock<std::mutex> wl(self.mutex);
    self.wake.wait(wl, [&] { return self.stop || self.task; });
    if (!self.task) { // stopping, while idle: leave the list and end
      wl.unlock();
      std::lock_guard<std::mutex> lock(s.mutex);
      s.idle.erase(std::remove(s.idle.begin(), s.idle.end(), &self), s.idle.end());
      break;
    }
    task = std::move(self.task);
    self.task = nullptr;
  }
  // OpenSSL's state of this thread (error queue, random generators) is freed now, while the
  // pool still counts the thread: a detached thread's own exit may come after the process's.
  OPENSSL_thread_stop();
  std::lock_guard<std::mutex> lock(s.mutex);
  --s.threads;
  s.finished.notify_all();
}

} // namespace rivet::delegation
