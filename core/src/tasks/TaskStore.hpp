// The durable task journal of a node (issue 11): tasks, idempotency keys, the tasks each one
// started on other nodes and a bounded tail of its events, in a SQLite file of mesh.state_dir.
#pragma once

#include "tasks/TaskRecord.hpp"
#include "tasks/TaskStatements.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace rivet::tasks {

// Threading: every method may be called from any thread; one connection, guarded by one mutex,
// serves them one at a time (each call is short: a few indexed statements). Errors: invalid
// arguments throw std::invalid_argument naming the field; a journal that cannot be read or
// written throws std::runtime_error naming the file and what to do. Only one process may use a
// journal at a time (InstanceLock); a second one waits up to 5 s for each write.
class TaskStore {
public:
  // Bounds of the fields, in bytes.
  static constexpr std::size_t kMaxCaller = 300;
  static constexpr std::size_t kMaxKey = 256;
  static constexpr std::size_t kMaxName = 256; // agent, node, a child's node and agent
  static constexpr std::size_t kMaxChildTaskId = 128;
  static constexpr std::size_t kMaxJson = 16 * 1024 * 1024; // requestJson, resultJson
  static constexpr std::size_t kMaxEventType = 64;
  static constexpr std::size_t kMaxEventData = 64 * 1024;

  // Opens or creates the journal at `path` (its folder is created when missing); see
  // TaskSchema::open for the files it refuses, each with a std::runtime_error naming `path`.
  TaskStore(std::string path, TaskRetention retention);
  ~TaskStore();
  TaskStore(const TaskStore&) = delete;
  TaskStore& operator=(const TaskStore&) = delete;

  static bool isTaskId(const std::string& id); // 32 lowercase hex digits
  static bool isState(const std::string& state);
  static bool isTerminal(const std::string& state); // completed, failed, canceled, rejected
  static std::string newTaskId();                   // 128 random bits (RAND_bytes)

  // At start: every task that was not terminal becomes `failed` with result
  // {"status":"failed","response":"node restarted while the task ran"} and a last event of
  // type "state" with data {"state":"failed","result":<that result>}. Returns how many.
  std::size_t markInterrupted(std::int64_t nowMs);

  struct Created {
    TaskRecord task;
    bool created = false; // false: the task this caller submitted earlier with that key
  };
  // Stores `task` (with its children). An empty id gets newTaskId(), an empty state
  // "submitted", createdMs 0 the wall clock, updatedMs 0 createdMs, a terminal state endedMs
  // updatedMs. When the caller already has a task with this non-empty idempotencyKey, returns
  // it and stores nothing, atomically (across threads and restarts).
  Created create(TaskRecord task);

  std::optional<TaskRecord> find(const std::string& id);
  // The task `caller` submitted with this idempotency key; nullopt for an empty key or none.
  std::optional<TaskRecord> findByKey(const std::string& caller, const std::string& key);
  // Ids of the tasks of `agent`, newest first; "" matches every caller, state or A2A context
  // (requestJson's a2a.contextId). Reads no bodies.
  std::vector<std::string> listIds(const std::string& callerOrEmptyForAll, const std::string& agent,
                                   const std::string& stateOrEmpty,
                                   const std::string& contextIdOrEmpty, std::size_t limit);
  // Newest first (by createdMs); "" matches every caller or state.
  std::vector<TaskRecord> list(const std::string& callerOrEmptyForAll,
                               const std::string& stateOrEmpty, std::size_t limit);

  // A non-terminal state (std::invalid_argument otherwise: use finish()). False when there is
  // no such task or it is already terminal.
  bool setState(const std::string& id, const std::string& state, std::int64_t nowMs);
  // The terminal write; the first one wins (false for the others and for an unknown id). On
  // disk (fsync of the log, synchronous=FULL) when it returns.
  bool finish(const std::string& id, const std::string& terminalState,
              const std::string& resultJson, const std::string& canceledBy, std::int64_t nowMs);
  // False when there is no such task.
  bool addChild(const std::string& id, const TaskChild& child);

  // Returns the event's seq (1, 2, 3... per task, never reused), 0 when there is no such task.
  // Only the last retention.eventsPerTask events of a task are kept. Events are accepted after
  // the task ended (its final events follow finish()).
  std::int64_t appendEvent(const std::string& id, const std::string& type,
                           const std::string& dataJson, std::int64_t nowMs);
  // The retained events with seq > afterSeq, oldest first, at most `limit`.
  std::vector<TaskEvent> eventsAfter(const std::string& id, std::int64_t afterSeq,
                                     std::size_t limit);
  // The lowest seq still retained (the next seq when none is), 0 when there is no such task:
  // a resume from afterSeq lost events when afterSeq + 1 < firstRetainedSeq.
  std::int64_t firstRetainedSeq(const std::string& id);

  // Deletes terminal tasks (with their events and children) that ended more than maxAgeMs
  // before nowMs, then the oldest terminal ones beyond maxFinished. Running tasks are never
  // touched. Returns how many tasks it deleted.
  std::size_t prune(std::int64_t nowMs);

  const std::string& path() const { return path_; }

private:
  std::int64_t appendEventLocked(const std::string& id, const std::string& type,
                                 const std::string& dataJson, std::int64_t nowMs);
  std::optional<TaskRecord> findLocked(const std::string& id);
  std::vector<TaskChild> childrenLocked(const std::string& id);

  std::string path_; // first: the statements' error messages refer to it
  TaskRetention retention_;
  std::mutex mutex_;
  TaskDb db_;
  std::unique_ptr<TaskStatements> statements_; // finalized before db_ closes
};

} // namespace rivet::tasks
