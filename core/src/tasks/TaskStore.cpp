// The journal's operations: each one a few prepared statements under the mutex, in one
// transaction when it writes more than one row.
#include "tasks/TaskStore.hpp"

#include "util/RandomHex.hpp"

#include "tasks/TaskSchema.hpp"

#include <algorithm>
#include <chrono>
#include <limits>
#include <stdexcept>

namespace rivet::tasks {
namespace {

using Statements = TaskStatements;

const char* const kInterruptedResult =
    R"({"status":"failed","response":"node restarted while the task ran"})";

bool isLowerHex(const std::string& s, std::size_t length) {
  return s.size() == length && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

void checkSize(const char* field, const std::string& value, std::size_t max, bool required) {
  if (required && value.empty())
    throw std::invalid_argument(std::string("task field ") + field + " is empty; it is required");
  if (value.size() > max)
    throw std::invalid_argument(std::string("task field ") + field + " is " +
                                std::to_string(value.size()) + " bytes, over the limit of " +
                                std::to_string(max));
}

void checkHex(const char* field, const std::string& value, bool optional) {
  if (optional && value.empty())
    return;
  if (!isLowerHex(value, 32))
    throw std::invalid_argument(std::string("task field ") + field + " '" + value.substr(0, 64) +
                                "' is not 32 lowercase hex digits");
}

void checkState(const std::string& state) {
  if (!TaskStore::isState(state))
    throw std::invalid_argument("task field state '" + state.substr(0, 64) +
                                "' is not one of submitted, working, input-required, completed, "
                                "failed, canceled, rejected");
}

void checkChild(const TaskChild& child) {
  checkSize("child.node", child.node, TaskStore::kMaxName, true);
  checkSize("child.taskId", child.taskId, TaskStore::kMaxChildTaskId, true);
  checkSize("child.agent", child.agent, TaskStore::kMaxName, false);
}

void checkTask(const TaskRecord& t) {
  checkHex("id", t.id, false);
  checkSize("caller", t.caller, TaskStore::kMaxCaller, true);
  checkSize("idempotencyKey", t.idempotencyKey, TaskStore::kMaxKey, false);
  checkSize("agent", t.agent, TaskStore::kMaxName, true);
  checkSize("node", t.node, TaskStore::kMaxName, true);
  checkState(t.state);
  checkSize("requestJson", t.requestJson, TaskStore::kMaxJson, false);
  checkSize("resultJson", t.resultJson, TaskStore::kMaxJson, false);
  checkSize("canceledBy", t.canceledBy, TaskStore::kMaxCaller, false);
  checkHex("traceId", t.traceId, true);
  checkHex("parentId", t.parentId, true);
  for (const auto& child : t.children)
    checkChild(child);
}

std::int64_t asLimit(std::size_t n) {
  return static_cast<std::int64_t>(
      std::min<std::size_t>(n, static_cast<std::size_t>(std::numeric_limits<std::int64_t>::max())));
}

std::int64_t wallClockMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The columns of TASK_COLUMNS (TaskStatements.cpp), children apart.
TaskRecord readTask(const Statements::Query& q) {
  TaskRecord t;
  t.id = q.text(0);
  t.caller = q.text(1);
  t.idempotencyKey = q.text(2);
  t.agent = q.text(3);
  t.node = q.text(4);
  t.state = q.text(5);
  t.requestJson = q.text(6);
  t.resultJson = q.text(7);
  t.canceledBy = q.text(8);
  t.traceId = q.text(9);
  t.parentId = q.text(10);
  t.cancelOnDisconnect = q.integer(11) != 0;
  t.createdMs = q.integer(12);
  t.updatedMs = q.integer(13);
  t.endedMs = q.integer(14);
  return t;
}

// synchronous=FULL for the commits that must survive a power cut (the WAL is fsynced at each
// commit; with NORMAL only at checkpoints). Set outside any transaction: SQLite refuses to
// change it inside one.
class DurableCommits {
public:
  DurableCommits(sqlite3* db, const std::string& path) : db_(db), path_(path) {
    Statements::execute(db_, path_, "PRAGMA synchronous = FULL");
  }
  ~DurableCommits() {
    try {
      Statements::execute(db_, path_, "PRAGMA synchronous = NORMAL");
    } catch (const std::exception&) {
      // stays FULL: slower, never less safe
    }
  }
  DurableCommits(const DurableCommits&) = delete;
  DurableCommits& operator=(const DurableCommits&) = delete;

private:
  sqlite3* db_;
  const std::string& path_;
};

} // namespace

TaskStore::TaskStore(std::string path, TaskRetention retention)
    : path_(std::move(path)), retention_(retention), db_(TaskSchema::open(path_)),
      statements_(std::make_unique<TaskStatements>(db_.get(), path_)) {}

TaskStore::~TaskStore() = default;

bool TaskStore::isTaskId(const std::string& id) {
  return isLowerHex(id, 32);
}

bool TaskStore::isState(const std::string& state) {
  return state == "submitted" || state == "working" || state == "input-required" ||
         isTerminal(state);
}

bool TaskStore::isTerminal(const std::string& state) {
  return state == "completed" || state == "failed" || state == "canceled" || state == "rejected";
}

std::string TaskStore::newTaskId() {
  return util::randomHex128("a task id");
}

std::size_t TaskStore::markInterrupted(std::int64_t nowMs) {
  std::lock_guard<std::mutex> lock(mutex_);
  DurableCommits durable(db_.get(), path_);
  Statements::Transaction tx(*statements_);
  std::vector<std::string> running;
  for (auto q = statements_->runningIds.query(); q.next();)
    running.push_back(q.text(0));
  const std::string event =
      std::string(R"({"state":"failed","result":)") + kInterruptedResult + "}";
  for (const auto& id : running) {
    statements_->finish.run("failed", kInterruptedResult, "", nowMs, id);
    appendEventLocked(id, "state", event, nowMs);
  }
  tx.commit();
  return running.size();
}

std::optional<TaskRecord> TaskStore::findByKey(const std::string& caller, const std::string& key) {
  if (key.empty())
    return std::nullopt;
  std::lock_guard<std::mutex> lock(mutex_);
  auto q = statements_->taskByKey.query(caller, key);
  if (!q.next())
    return std::nullopt;
  TaskRecord t = readTask(q);
  t.children = childrenLocked(t.id);
  return t;
}

TaskStore::Created TaskStore::create(TaskRecord task) {
  if (task.id.empty())
    task.id = newTaskId();
  if (task.state.empty())
    task.state = "submitted";
  checkTask(task);
  if (task.createdMs == 0)
    task.createdMs = wallClockMs();
  if (task.updatedMs == 0)
    task.updatedMs = task.createdMs;
  bool terminal = isTerminal(task.state);
  task.endedMs = terminal ? (task.endedMs ? task.endedMs : task.updatedMs) : 0;

  std::lock_guard<std::mutex> lock(mutex_);
  // A task that is submitted and lost in a power cut was interrupted by it anyway; only a task
  // born terminal (rejected at once) carries a result that must be on disk.
  std::optional<DurableCommits> durable;
  if (terminal)
    durable.emplace(db_.get(), path_);
  Statements::Transaction tx(*statements_);
  if (!task.idempotencyKey.empty()) {
    auto q = statements_->taskByKey.query(task.caller, task.idempotencyKey);
    if (q.next()) {
      TaskRecord existing = readTask(q);
      existing.children = childrenLocked(existing.id);
      return {existing, false}; // rolled back: nothing was written
    }
  }
  if (statements_->taskById.query(task.id).next())
    throw std::invalid_argument("task field id " + task.id + " is the id of a stored task");
  statements_->insertTask.run(task.id, task.caller, task.idempotencyKey, task.agent, task.node,
                              task.state, task.requestJson, task.resultJson, task.canceledBy,
                              task.traceId, task.parentId,
                              static_cast<std::int64_t>(task.cancelOnDisconnect), task.createdMs,
                              task.updatedMs, task.endedMs, static_cast<std::int64_t>(terminal));
  for (const auto& child : task.children)
    statements_->insertChild.run(task.id, child.node, child.taskId, child.agent);
  tx.commit();
  return {task, true};
}

std::optional<TaskRecord> TaskStore::find(const std::string& id) {
  checkHex("id", id, false);
  std::lock_guard<std::mutex> lock(mutex_);
  return findLocked(id);
}

std::optional<TaskRecord> TaskStore::findLocked(const std::string& id) {
  auto q = statements_->taskById.query(id);
  if (!q.next())
    return std::nullopt;
  TaskRecord task = readTask(q);
  task.children = childrenLocked(id);
  return task;
}

std::vector<TaskChild> TaskStore::childrenLocked(const std::string& id) {
  std::vector<TaskChild> children;
  for (auto q = statements_->childrenOf.query(id); q.next();)
    children.push_back({q.text(0), q.text(1), q.text(2)});
  return children;
}

std::vector<TaskRecord> TaskStore::list(const std::string& callerOrEmptyForAll,
                                        const std::string& stateOrEmpty, std::size_t limit) {
  checkSize("caller", callerOrEmptyForAll, kMaxCaller, false);
  if (!stateOrEmpty.empty())
    checkState(stateOrEmpty);
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<TaskRecord> tasks;
  {
    auto q =
        callerOrEmptyForAll.empty()
            ? statements_->listAll.query(stateOrEmpty, asLimit(limit))
            : statements_->listByCaller.query(callerOrEmptyForAll, stateOrEmpty, asLimit(limit));
    while (q.next())
      tasks.push_back(readTask(q));
  }
  for (auto& task : tasks)
    task.children = childrenLocked(task.id);
  return tasks;
}

std::vector<std::string> TaskStore::listIds(const std::string& caller, const std::string& agent,
                                            const std::string& state, const std::string& context,
                                            std::size_t limit) {
  checkSize("caller", caller, kMaxCaller, false);
  checkSize("agent", agent, kMaxName, true);
  checkSize("contextId", context, kMaxKey, false);
  if (!state.empty())
    checkState(state);
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<std::string> ids;
  for (auto q = statements_->listIds.query(caller, agent, state, context, asLimit(limit));
       q.next();)
    ids.push_back(q.text(0));
  return ids;
}

bool TaskStore::setState(const std::string& id, const std::string& state, std::int64_t nowMs) {
  checkHex("id", id, false);
  checkState(state);
  if (isTerminal(state))
    throw std::invalid_argument("task field state '" + state +
                                "' is terminal; finish() writes terminal states");
  std::lock_guard<std::mutex> lock(mutex_);
  return statements_->setState.run(state, nowMs, id) == 1;
}

bool TaskStore::finish(const std::string& id, const std::string& terminalState,
                       const std::string& resultJson, const std::string& canceledBy,
                       std::int64_t nowMs) {
  checkHex("id", id, false);
  checkState(terminalState);
  if (!isTerminal(terminalState))
    throw std::invalid_argument("task field state '" + terminalState +
                                "' is not terminal; setState() writes it");
  checkSize("resultJson", resultJson, kMaxJson, false);
  checkSize("canceledBy", canceledBy, kMaxCaller, false);
  std::lock_guard<std::mutex> lock(mutex_);
  DurableCommits durable(db_.get(), path_);
  return statements_->finish.run(terminalState, resultJson, canceledBy, nowMs, id) == 1;
}

bool TaskStore::addChild(const std::string& id, const TaskChild& child) {
  checkHex("id", id, false);
  checkChild(child);
  std::lock_guard<std::mutex> lock(mutex_);
  return statements_->insertChild.run(id, child.node, child.taskId, child.agent) == 1;
}

std::int64_t TaskStore::appendEvent(const std::string& id, const std::string& type,
                                    const std::string& dataJson, std::int64_t nowMs) {
  checkHex("id", id, false);
  checkSize("event type", type, kMaxEventType, true);
  checkSize("event data", dataJson, kMaxEventData, false);
  std::lock_guard<std::mutex> lock(mutex_);
  Statements::Transaction tx(*statements_);
  std::int64_t seq = appendEventLocked(id, type, dataJson, nowMs);
  tx.commit();
  return seq;
}

std::int64_t TaskStore::appendEventLocked(const std::string& id, const std::string& type,
                                          const std::string& dataJson, std::int64_t nowMs) {
  std::int64_t seq = 0;
  {
    auto q = statements_->takeSeq.query(id);
    if (q.next())
      seq = q.integer(0);
    while (q.next()) {
    }
  }
  if (seq == 0)
    return 0;
  statements_->insertEvent.run(id, seq, type, dataJson, nowMs);
  std::int64_t keep = asLimit(retention_.eventsPerTask);
  if (seq > keep)
    statements_->trimEvents.run(id, seq - keep);
  return seq;
}

std::vector<TaskEvent> TaskStore::eventsAfter(const std::string& id, std::int64_t afterSeq,
                                              std::size_t limit) {
  checkHex("id", id, false);
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<TaskEvent> events;
  for (auto q = statements_->eventsAfter.query(id, afterSeq, asLimit(limit)); q.next();)
    events.push_back({q.integer(0), q.text(1), q.text(2), q.integer(3)});
  return events;
}

std::int64_t TaskStore::firstRetainedSeq(const std::string& id) {
  checkHex("id", id, false);
  std::lock_guard<std::mutex> lock(mutex_);
  auto q = statements_->firstSeq.query(id);
  return q.next() ? q.integer(0) : 0;
}

std::size_t TaskStore::prune(std::int64_t nowMs) {
  std::lock_guard<std::mutex> lock(mutex_);
  Statements::Transaction tx(*statements_);
  std::int64_t deleted = statements_->pruneByAge.run(nowMs - retention_.maxAgeMs);
  deleted += statements_->pruneByCount.run(asLimit(retention_.maxFinished));
  tx.commit();
  return static_cast<std::size_t>(deleted);
}

} // namespace rivet::tasks
