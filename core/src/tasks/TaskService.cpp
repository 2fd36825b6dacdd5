// Running tasks, their events and their watchers (see TaskService.hpp).
#include "tasks/TaskService.hpp"

#include "log/Log.hpp"
#include "tasks/TaskJson.hpp"
#include "util/JsonText.hpp"

#include "rivet/sdk/json.hpp"
#include "rivet/sdk/plugin.hpp"

#include <algorithm>
#include <shared_mutex>

namespace rivet::tasks {
namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kTick = std::chrono::milliseconds(250);
constexpr auto kCancelWait = std::chrono::seconds(3);
constexpr auto kStopWait = std::chrono::seconds(1); // closeStreams(): for tasks to end
constexpr int kPoolSlack = 8;                 // a worker that just ended a task may not be idle yet
constexpr size_t kMaxPendingText = 64 * 1024; // text held back by the limiter, per task
constexpr size_t kMaxPendingOrigins = 16;     // agents whose text is held back at once
constexpr size_t kMaxProgressText = 4096;     // of one progress event from another node
constexpr size_t kMaxResultInEvent = 64 * 1024; // a delegation's result in its `ended` event
constexpr size_t kMaxNameBytes = 256; // an agent, node or hop another node names in an event

const char* stateFor(const delegation::Outcome& out) {
  if (out.httpStatus != 0)
    return "failed";
  switch (out.status) {
  case RIVET_TASK_COMPLETED:
    return "completed";
  case RIVET_TASK_REJECTED:
    return "rejected";
  default:
    return "failed";
  }
}

} // namespace

struct TaskService::Relay {
  std::shared_mutex mutex;
  TaskService* service = nullptr; // null once the service is gone
};

// A delegation thread may report after its task ended, even after the service stopped: every
// call goes through the relay, which the service cuts when it is destroyed.
class TaskService::Observer : public plugin::TaskObserver {
public:
  Observer(std::shared_ptr<Relay> relay, std::string id)
      : relay_(std::move(relay)), id_(std::move(id)) {}

  void progress(const plugin::TaskContext& task, std::string_view kind,
                std::string_view text) override {
    std::shared_lock<std::shared_mutex> lock(relay_->mutex);
    if (relay_->service)
      relay_->service->onProgress(id_, task.agentId, task.nodeName, kind, text);
  }
  void delegationStarted(const plugin::RemoteChild& child) override {
    std::shared_lock<std::shared_mutex> lock(relay_->mutex);
    if (relay_->service)
      relay_->service->onDelegation(id_, child, "", "", false);
  }
  void delegationEvent(const plugin::RemoteChild& child, std::string_view type,
                       std::string_view dataJson) override {
    std::shared_lock<std::shared_mutex> lock(relay_->mutex);
    if (relay_->service)
      relay_->service->onChildEvent(id_, child, type, dataJson);
  }
  void delegationEnded(const plugin::RemoteChild& child, std::string_view state,
                       std::string_view resultJson) override {
    std::shared_lock<std::shared_mutex> lock(relay_->mutex);
    if (relay_->service)
      relay_->service->onDelegation(id_, child, state, resultJson, true);
  }

private:
  std::shared_ptr<Relay> relay_;
  std::string id_;
};

TaskService::TaskService(TaskStore& store, delegation::DelegationEngine& engine,
                         TaskSettings settings)
    : store_(store), engine_(engine), settings_(std::move(settings)), logger_(log::get("Tasks")),
      relay_(std::make_shared<Relay>()), pool_(settings_.maxRunning + kPoolSlack) {
  relay_->service = this;
}

TaskService::~TaskService() {
  {
    std::unique_lock<std::shared_mutex> lock(relay_->mutex); // waits for calls under way
    relay_->service = nullptr;
  }
  closeStreams();
}

int64_t TaskService::nowMs() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

bool TaskService::isNodeItself(const std::string& caller) const {
  return caller == "cn:" + settings_.nodeName || caller == "cn:" + settings_.nodeName + ".mesh";
}

bool TaskService::visible(const TaskRecord& task, const std::string& caller) const {
  return task.caller == caller || isNodeItself(caller);
}

void TaskService::start() {
  if (size_t n = store_.markInterrupted(nowMs()))
    logger_->warn("{} task{} that ran when the node last stopped failed with \"node restarted "
                  "while the task ran\" ({})",
                  n, n == 1 ? "" : "s", store_.path());
  std::lock_guard<std::mutex> lock(loopMutex_);
  if (!thread_.joinable())
    thread_ = std::thread([this] { loop(); });
}

void TaskService::stopAll() {
  std::vector<std::shared_ptr<plugin::TaskContext>> roots;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto& [id, live] : live_) {
      live.stopped = live.canceledBy.empty();
      roots.push_back(live.root);
    }
  }
  if (!roots.empty())
    logger_->info("Stopping {} running task{} (and what they started on other nodes)", roots.size(),
                  roots.size() == 1 ? "" : "s");
  for (auto& root : roots)
    root->cancel();
}

void TaskService::closeStreams() {
  {
    std::lock_guard<std::mutex> lock(loopMutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable())
    thread_.join();
  std::vector<std::shared_ptr<EventStream>> streams;
  {
    std::unique_lock<std::mutex> lock(mutex_);
    // The tasks stopAll() cancelled mostly end at once: their watchers get the final events
    // (and a blocking A2A send its final task) if they do so within a second.
    ended_.wait_for(lock, kStopWait, [&] { return live_.empty(); });
    closed_ = true;
    for (auto& [id, live] : live_) {
      for (auto& w : live.watchers)
        streams.push_back(std::move(w.stream));
      live.watchers.clear();
    }
  }
  for (auto& s : streams)
    s->end();
}

void TaskService::drain(std::chrono::milliseconds grace) {
  pool_.drain(grace);
}

SubmitResult TaskService::submit(Submit s) {
  SubmitResult out;
  // A key names its task even when the node is full: a retry must never be told "busy" (and
  // go elsewhere) about a task that runs here.
  if (auto existing = store_.findByKey(s.caller, s.idempotencyKey)) {
    out.status = 200;
    out.task = std::move(existing);
    return out;
  }
  // The policy decides before anything is recorded: a refused task never exists.
  delegation::Outcome refused = engine_.admit(s.request, true);
  if (!s.request.admitted) {
    out.status = refused.httpStatus;
    out.retryAfterSeconds = refused.retryAfterSeconds;
    out.error = std::move(refused.text);
    return out;
  }
  if (running_.fetch_add(1) >= settings_.maxRunning) {
    running_.fetch_sub(1);
    out.status = 503;
    out.retryAfterSeconds = 5;
    out.error = "Node busy: " + std::to_string(settings_.maxRunning) +
                " tasks are running (tasks.max_running)";
    return out;
  }
  TaskRecord record;
  record.caller = s.caller;
  record.idempotencyKey = s.idempotencyKey;
  record.agent = s.request.toAgent;
  record.node = settings_.nodeName;
  record.requestJson = std::move(s.requestJson);
  record.traceId = s.traceId;
  record.cancelOnDisconnect = s.cancelOnDisconnect;
  std::unique_lock<std::mutex> lock(mutex_);
  TaskStore::Created created;
  try { // a journal that refuses the task (too large, disk full) leaves no place taken
    created = store_.create(std::move(record));
  } catch (...) {
    running_.fetch_sub(1);
    throw;
  }
  if (!created.created) {
    running_.fetch_sub(1);
    out.status = 200;
    out.task = std::move(created.task);
    return out;
  }
  const std::string id = created.task.id;
  Live& live = live_[id];
  live.root = std::make_shared<plugin::TaskContext>();
  live.root->agentId = s.request.fromAgent.empty() ? "the caller" : s.request.fromAgent;
  live.root->nodeName = s.request.fromNode;
  // The engine gives a delegation its parent's time less a margin; the task gets all of it.
  live.root->startClock(s.request.timeoutMs + engine_.settings().parentMarginMs);
  live.root->taskId = id;
  live.root->traceId = created.task.traceId;
  live.root->observer = std::make_shared<Observer>(relay_, id);
  live.cancelOnDisconnect = s.cancelOnDisconnect;
  live.tokens = settings_.progressBurst;
  live.refilled = Clock::now();
  live.unwatchedSince = Clock::now();
  try {
    emitLocked(id, &live, "state", stateEventJson("submitted", ""));
  } catch (...) {
    live_.erase(id);
    running_.fetch_sub(1);
    throw;
  }
  delegation::TaskRequest request = std::move(s.request);
  request.parent = live.root;
  lock.unlock();
  logger_->info("Task {} submitted by {} for {} (trace {})", id, created.task.caller,
                created.task.agent, created.task.traceId);
  bool started = pool_.trySubmit([this, id, request] {
    try {
      run(id, request);
    } catch (const std::exception& e) { // the journal failed under the task
      logger_->error("Task {} could not be recorded: {}", id, e.what());
      abandon(id);
    }
  });
  if (!started) {
    std::lock_guard<std::mutex> again(mutex_);
    store_.finish(id, "failed",
                  resultJson("failed", "Node busy: no task worker free", created.task.agent, 0), "",
                  nowMs());
    live_.erase(id);
    running_.fetch_sub(1);
  }
  out.status = 202;
  out.task = store_.find(id);
  return out;
}

void TaskService::run(const std::string& id, delegation::TaskRequest request) {
  log::TaskScope tags(id, request.parent->traceId);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = live_.find(id);
    if (it != live_.end() && !it->second.root->cancelled()) {
      store_.setState(id, "working", nowMs());
      emitLocked(id, &it->second, "state", stateEventJson("working", ""));
    }
  }
  delegation::Outcome out;
  auto started = Clock::now();
  if (!request.parent->cancelled())
    out = engine_.handleInbound(request);
  int64_t ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started).count();
  std::vector<std::shared_ptr<EventStream>> done;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = live_.find(id);
    Live* live = it == live_.end() ? nullptr : &it->second;
    std::string by = live ? live->canceledBy : "";
    std::string state = by.empty() ? stateFor(out) : "canceled";
    std::string agent = out.agent.empty() ? request.toAgent : out.agent;
    std::string result = by.empty()
                             ? resultJson(out.httpStatus ? "failed" : sdk::statusName(out.status),
                                          out.text, agent, ms)
                             : resultJson("canceled", "Task canceled by " + by, agent, ms);
    if (live && live->stopped) {
      state = "failed";
      result = resultJson("failed", "node " + settings_.nodeName + " stopped while the task ran",
                          agent, ms);
    }
    if (live) // what the limiter held back, and what it dropped, come before the end
      releaseProgressLocked(id, *live, true);
    store_.finish(id, state, result, by, nowMs());
    emitLocked(id, live, "state", stateEventJson(state, result));
    if (live) {
      for (auto& w : live->watchers)
        done.push_back(std::move(w.stream));
      live_.erase(it);
    }
    logger_->info("Task {} {} after {} ms{}", id, state, ms, by.empty() ? "" : " (by " + by + ")");
  }
  for (auto& s : done)
    s->end();
  running_.fetch_sub(1);
  ended_.notify_all();
}

void TaskService::abandon(const std::string& id) {
  std::vector<std::shared_ptr<EventStream>> done;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = live_.find(id);
    if (it == live_.end())
      return;
    for (auto& w : it->second.watchers)
      done.push_back(std::move(w.stream));
    live_.erase(it);
  }
  for (auto& s : done)
    s->end();
  running_.fetch_sub(1);
  ended_.notify_all();
}

void TaskService::emitLocked(const std::string& id, Live* live, const std::string& type,
                             const std::string& dataJson) {
  int64_t seq = store_.appendEvent(id, type, dataJson, nowMs());
  if (!live || live->watchers.empty())
    return;
  std::string frame = sseFrame(seq, type, dataJson);
  auto now = Clock::now();
  auto& ws = live->watchers;
  for (auto it = ws.begin(); it != ws.end();) {
    if (it->stream->event(seq, type, dataJson, frame)) {
      it->lastWrite = now;
      ++it;
    } else {
      it->stream->end(); // the client has gone
      it = ws.erase(it);
      if (ws.empty())
        live->unwatchedSince = now;
    }
  }
}

std::optional<TaskRecord> TaskService::find(const std::string& id, const std::string& caller) {
  if (!TaskStore::isTaskId(id))
    return std::nullopt;
  auto task = store_.find(id);
  if (!task || !visible(*task, caller))
    return std::nullopt;
  return task;
}

std::vector<TaskEvent> TaskService::eventsAfter(const TaskRecord& task, int64_t afterSeq) {
  {
    // A poll watches the task as a stream does: a node that delegated it and then died or lost
    // the way here stops polling, and a cancel-on-disconnect task is cancelled after the grace.
    std::lock_guard<std::mutex> lock(mutex_);
    if (auto it = live_.find(task.id); it != live_.end())
      it->second.unwatchedSince = std::max(it->second.unwatchedSince, Clock::now());
  }
  return store_.eventsAfter(task.id, afterSeq, 200);
}

std::vector<TaskRecord> TaskService::list(const std::string& caller, const std::string& state,
                                          size_t limit) {
  return store_.list(isNodeItself(caller) ? "" : caller, state, limit);
}

std::vector<std::string> TaskService::listIds(const std::string& caller, const std::string& agent,
                                              const std::string& state,
                                              const std::string& contextId, size_t limit) {
  return store_.listIds(isNodeItself(caller) ? "" : caller, agent, state, contextId, limit);
}

std::optional<TaskRecord> TaskService::cancel(const std::string& id, const std::string& caller) {
  auto task = find(id, caller);
  if (!task)
    return std::nullopt;
  std::unique_lock<std::mutex> lock(mutex_);
  auto it = live_.find(id);
  if (it == live_.end())
    return store_.find(id); // finished already: cancelling changes nothing
  if (it->second.canceledBy.empty()) {
    it->second.canceledBy = caller;
    logger_->info("Task {} cancelled by {}", id, caller);
  }
  auto root = it->second.root;
  lock.unlock();
  root->cancel(); // reaches the agent's task and every local delegation it started
  lock.lock();
  ended_.wait_for(lock, kCancelWait, [&] { return live_.find(id) == live_.end(); });
  lock.unlock();
  return store_.find(id);
}

bool TaskService::attach(const std::string& id, const std::string& caller, int64_t afterSeq,
                         const std::shared_ptr<EventStream>& stream) {
  if (!find(id, caller))
    return false;
  std::unique_lock<std::mutex> lock(mutex_);
  int64_t first = store_.firstRetainedSeq(id);
  bool ok = true;
  if (afterSeq + 1 < first) { // the tail was trimmed past what this client saw
    const std::string gap = "{\"missedFrom\":" + std::to_string(afterSeq + 1) +
                            ",\"missedTo\":" + std::to_string(first - 1) + "}";
    ok = stream->event(0, "gap", gap, sseFrame(0, "gap", gap));
  }
  for (int64_t seq = afterSeq; ok;) {
    auto events = store_.eventsAfter(id, seq, 256);
    if (events.empty())
      break;
    for (const auto& e : events) {
      if (!(ok = stream->event(e.seq, e.type, e.dataJson, sseFrame(e.seq, e.type, e.dataJson))))
        break;
      seq = e.seq;
    }
  }
  auto it = live_.find(id);
  if (!ok || closed_ || it == live_.end()) { // gone, stopping, or finished: all was sent
    lock.unlock();
    stream->end();
    return true;
  }
  it->second.watchers.push_back({stream, Clock::now()});
  return true;
}

void TaskService::onProgress(const std::string& id, std::string_view agent, std::string_view node,
                             std::string_view kind, std::string_view text) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = live_.find(id);
  if (it == live_.end())
    return; // the task ended: what its agent still says goes nowhere
  Live& live = it->second;
  releaseProgressLocked(id, live, false);
  auto held = std::find_if(live.pending.begin(), live.pending.end(), [&](const Live::Pending& p) {
    return p.agent == agent && p.node == node;
  });
  if (live.tokens < 1) {
    bool room = live.pendingBytes + text.size() <= kMaxPendingText &&
                (held != live.pending.end() || live.pending.size() < kMaxPendingOrigins);
    if (kind != "text" || !room) {
      ++live.dropped;
      return;
    }
    if (held == live.pending.end())
      held = live.pending.insert(live.pending.end(), {std::string(agent), std::string(node), ""});
    held->text.append(text);
    live.pendingBytes += text.size();
    return;
  }
  live.tokens -= 1;
  if (kind == "text" && held != live.pending.end()) { // the held-back text first, in one event
    std::string all = std::move(held->text);
    all.append(text);
    live.pendingBytes -= all.size() - text.size();
    live.pending.erase(held);
    emitLocked(id, &live, "progress", progressJson(kind, all, agent, node));
    return;
  }
  emitLocked(id, &live, "progress", progressJson(kind, text, agent, node));
}

void TaskService::releaseProgressLocked(const std::string& id, Live& live, bool all) {
  auto now = Clock::now();
  double seconds = std::chrono::duration<double>(now - live.refilled).count();
  live.refilled = now;
  live.tokens =
      std::min<double>(settings_.progressBurst, live.tokens + seconds * settings_.progressRate);
  while (!live.pending.empty() && (all || live.tokens >= 1)) {
    live.tokens -= 1;
    Live::Pending p = std::move(live.pending.front());
    live.pending.erase(live.pending.begin());
    live.pendingBytes -= p.text.size();
    emitLocked(id, &live, "progress", progressJson("text", p.text, p.agent, p.node));
  }
  if (live.dropped && (all || live.tokens >= 1)) {
    live.tokens -= 1;
    emitLocked(id, &live, "progress",
               progressJson("status",
                            std::to_string(live.dropped) + " progress event" +
                                (live.dropped == 1 ? " was" : "s were") +
                                " dropped: more than tasks.progress_per_second",
                            live.root->agentId, settings_.nodeName));
    live.dropped = 0;
  }
}

void TaskService::onDelegation(const std::string& id, const plugin::RemoteChild& child,
                               std::string_view state, std::string_view resultJson, bool ended) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = live_.find(id);
  if (it == live_.end())
    return;
  Live& live = it->second;
  if (!ended) {
    if (live.children < settings_.maxChildren)
      store_.addChild(id, {child.node, child.taskId, child.agent});
    else if (live.children == settings_.maxChildren)
      logger_->warn("Task {} started more than {} tasks on other nodes: the others are not "
                    "recorded in its children (they still run and are cancelled with it)",
                    id, settings_.maxChildren);
    ++live.children;
  }
  // A large result stays in the child's own record (readable with ?tree=).
  std::string_view result = resultJson.size() > kMaxResultInEvent ? "null" : resultJson;
  emitLocked(id, &live, "delegation",
             delegationJson(ended ? "ended" : "started", child.node, child.taskId, child.agent,
                            child.from, ended ? state : "", result));
}

void TaskService::onChildEvent(const std::string& id, const plugin::RemoteChild& child,
                               std::string_view type, std::string_view dataJson) {
  // Another node's words: every field is re-written, bounded, or the event is dropped.
  auto data = sdk::json::tryParse(dataJson);
  if (!data || !data->isObject())
    return;
  auto field = [&](const char* key, const std::string& fallback = "") {
    return std::string(util::utf8Bytes(data->getString(key).value_or(fallback), kMaxNameBytes));
  };
  if (type == "progress") { // through this task's own limiter
    std::string kind = field("kind");
    if (kind != "text" && kind != "tool" && kind != "status")
      return;
    std::string text = data->getString("text").value_or("");
    onProgress(id, field("agent", child.agent), field("node", child.node), kind,
               util::utf8Bytes(text, kMaxProgressText));
    return;
  }
  std::string phase = field("phase"), taskId = field("taskId"), state = field("state");
  if (type != "delegation" || (phase != "started" && phase != "ended") ||
      !TaskStore::isTaskId(taskId) || (phase == "ended" && !TaskStore::isState(state)))
    return;
  const sdk::json::Value* result = data->find("result");
  std::string resultText = result && result->isObject() ? result->dump() : "null";
  if (resultText.size() > kMaxResultInEvent) // it stays in that task's own record
    resultText = "null";
  std::string event = delegationJson(phase, field("node"), taskId, field("agent"), field("from"),
                                     phase == "ended" ? state : "", resultText);
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = live_.find(id);
  if (it != live_.end())
    emitLocked(id, &it->second, "delegation", event);
}

void TaskService::tick() {
  auto now = Clock::now();
  std::vector<std::shared_ptr<plugin::TaskContext>> unwatched;
  std::vector<std::shared_ptr<EventStream>> gone;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto& [id, live] : live_) {
      releaseProgressLocked(id, live, false);
      auto& ws = live.watchers;
      for (auto it = ws.begin(); it != ws.end();) {
        bool due = now - it->lastWrite >= settings_.keepalive;
        if (!due && (!live.cancelOnDisconnect || it->stream->write(""))) {
          ++it; // a cancel-on-disconnect task asks its watchers whether they are still there
        } else if (due && it->stream->write(": keep-alive\n\n")) {
          it->lastWrite = now;
          ++it;
        } else {
          gone.push_back(std::move(it->stream));
          it = ws.erase(it);
          if (ws.empty())
            live.unwatchedSince = now;
        }
      }
      if (live.cancelOnDisconnect && ws.empty() && live.canceledBy.empty() &&
          now - live.unwatchedSince >= settings_.disconnectGrace) { // no stream, no poll
        live.canceledBy = "disconnect";
        logger_->info("Task {} cancelled: no event stream attached and no poll for {} ms "
                      "(tasks.disconnect_grace_ms) and it asked for cancelOnDisconnect",
                      id, settings_.disconnectGrace.count());
        unwatched.push_back(live.root);
      }
    }
  }
  for (auto& s : gone)
    s->end();
  for (auto& root : unwatched)
    root->cancel();
}

void TaskService::loop() {
  auto nextPrune = Clock::now() + settings_.pruneEvery;
  std::unique_lock<std::mutex> lock(loopMutex_);
  while (!stopping_) {
    wake_.wait_for(lock, kTick, [this] { return stopping_; });
    if (stopping_)
      break;
    lock.unlock();
    tick();
    if (Clock::now() >= nextPrune) {
      nextPrune = Clock::now() + settings_.pruneEvery;
      try {
        if (size_t n = store_.prune(nowMs()))
          logger_->info("Pruned {} finished task{} from {}", n, n == 1 ? "" : "s", store_.path());
      } catch (const std::exception& e) {
        logger_->error("Pruning the task journal failed: {}", e.what());
      }
    }
    lock.lock();
  }
}

} // namespace rivet::tasks
