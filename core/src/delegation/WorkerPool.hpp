// A bounded pool of agent worker threads that never queues: a task either starts on an idle
// worker at once or is refused, so a busy node answers 503 instead of piling up work.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

namespace rivet::delegation {

class WorkerPool {
public:
  explicit WorkerPool(int size);
  // Waits up to the drain time for running tasks; workers still busy after it are left to
  // finish on their own (they keep the state they use alive).
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Starts `task` on an idle worker (threads are created on demand, up to `size`); false when
  // every worker is busy.
  bool trySubmit(std::function<void()> task);
  int size() const { return size_; }
  int busy() const;
  // Tasks handed over that no worker has taken yet (a thread being created or waking up).
  int queued() const;
  // Refuses new tasks and waits up to `limit` for running ones; true when none is left.
  bool drain(std::chrono::milliseconds limit);

private:
  // One per thread. An idle worker waits on its own lock and condition variable: a task wakes
  // exactly the worker it is handed to, the one idle the shortest time (its stack and caches
  // are warm), and the woken worker needs no lock another thread may hold.
  struct Worker {
    std::mutex mutex;
    std::condition_variable wake;
    std::function<void()> task; // handed over, not taken yet
    bool stop = false;          // the pool is stopping: end
  };
  struct State {
    std::mutex mutex;
    std::condition_variable finished; // a task or a thread ended
    std::vector<Worker*> idle;        // most recently idle last
    int threads = 0;
    int busy = 0;
    std::atomic<int> queued{0};
    bool stopping = false;
  };
  static void run(std::shared_ptr<State> state, std::function<void()> first);

  const int size_;
  std::shared_ptr<State> state_;
};

} // namespace rivet::delegation
