// A bounded pool of agent worker threads that never queues: a task either starts on an idle
// worker at once or is refused, so a busy node answers 503 instead of piling up work.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace rivet::delegation {

class WorkerPool {
public:
  explicit WorkerPool(int size);
  ~WorkerPool(); // waits for running tasks
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Starts `task` on an idle worker (threads are created on demand, up to `size`); false when
  // every worker is busy.
  bool trySubmit(std::function<void()> task);
  int size() const { return size_; }
  int busy() const;

private:
  void run();

  const int size_;
  mutable std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<std::function<void()>> handoff_; // at most the number of idle workers
  std::vector<std::thread> threads_;
  int idle_ = 0;
  int busy_ = 0;
  bool stopping_ = false;
};

} // namespace rivet::delegation
