// A task while an agent of this node runs it: who asked, the path it came along, its depth and
// deadline, and its cancellation, which reaches every local delegation it started.
#pragma once

#include "plugin/TaskObserver.hpp"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace rivet::plugin {

class TaskContext {
public:
  using Clock = std::chrono::steady_clock;

  std::string agentId;  // the local agent running it
  std::string nodeName; // this node
  std::string fromAgent;
  std::string fromNode;          // empty: not known
  std::vector<std::string> path; // "agent@node" hops before this one, the asker last
  int64_t depth = 0;             // delegations from the task a user sent
  int64_t timeoutMs = 0;
  Clock::time_point deadline;
  int64_t deadlineEpochMs = 0;
  // Inherited by every delegation this task starts (adopt()):
  std::string taskId;  // the journal task it is part of; empty for /api/message work
  std::string traceId; // W3C trace id (32 hex)
  std::shared_ptr<TaskObserver> observer; // null: nobody watches

  // Sets depth, timeout and both deadline clocks from `timeoutMs`, counted from now.
  void startClock(int64_t timeoutMs);
  // This task's own hop, "agent@node".
  std::string hop() const { return agentId + "@" + nodeName; }
  // The path as a JSON array text (the rivet_task's path_json).
  std::string pathJson() const;
  int64_t remainingMs() const;

  bool cancelled() const { return cancelled_.load(std::memory_order_relaxed); }
  const std::atomic<bool>& cancelFlag() const { return cancelled_; }
  // Cancels this task and every local delegation it started (and theirs).
  void cancel();
  // `child` is a delegation this task started: it is cancelled with it (at once when this task
  // is cancelled already), and inherits the task id, trace id and observer it has not set.
  void adopt(const std::shared_ptr<TaskContext>& child);

private:
  std::atomic<bool> cancelled_{false};
  std::mutex mutex_;
  std::vector<std::weak_ptr<TaskContext>> children_;
};

} // namespace rivet::plugin
