// Hand-off to idle workers; growth up to the configured size; refusal beyond it. Threads are
// detached and share the pool's state, so a stuck agent can never block the daemon's exit.
#include "delegation/WorkerPool.hpp"

#include <openssl/crypto.h>

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
  std::lock_guard<std::mutex> lock(state_->mutex);
  return static_cast<int>(state_->handoff.size());
}

bool WorkerPool::drain(std::chrono::milliseconds limit) {
  std::unique_lock<std::mutex> lock(state_->mutex);
  state_->stopping = true;
  state_->ready.notify_all();
  return state_->finished.wait_for(lock, limit, [this] { return state_->threads == 0; });
}

bool WorkerPool::trySubmit(std::function<void()> task) {
  State& s = *state_;
  std::unique_lock<std::mutex> lock(s.mutex);
  if (s.stopping)
    return false;
  if (s.idle > static_cast<int>(s.handoff.size())) {
    s.handoff.push_back(std::move(task));
    ++s.busy;
    lock.unlock();
    s.ready.notify_one();
    return true;
  }
  if (s.threads >= size_)
    return false;
  s.handoff.push_back(std::move(task));
  ++s.busy;
  ++s.idle; // the new thread counts as idle until it takes the task
  ++s.threads;
  std::thread(&WorkerPool::run, state_).detach();
  return true;
}

void WorkerPool::run(std::shared_ptr<State> state) {
  State& s = *state;
  std::unique_lock<std::mutex> lock(s.mutex);
  for (;;) {
    s.ready.wait(lock, [&] { return s.stopping || !s.handoff.empty(); });
    if (s.handoff.empty())
      break; // stopping and nothing left
    auto task = std::move(s.handoff.front());
    s.handoff.pop_front();
    --s.idle;
    lock.unlock();
    task();
    task = nullptr; // release what the task held before reporting it finished
    lock.lock();
    --s.busy;
    ++s.idle;
    s.finished.notify_all();
  }
  // OpenSSL's state of this thread (error queue, random generators) is freed now, while the
  // pool still counts the thread: a detached thread's own exit may come after the process's.
  OPENSSL_thread_stop();
  --s.idle;
  --s.threads;
  s.finished.notify_all();
}

} // namespace rivet::delegation
