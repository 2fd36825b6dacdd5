// Tasks as resources (docs/protocol.md "Tasks"): submit with an idempotency key, read, list,
// cancel, and watch a task's events. Runs each task through the DelegationEngine on a bounded
// pool, keeps state, results and a tail of events in the TaskStore, and fans events out to the
// attached streams. One background thread writes keep-alive comments, cancels
// cancel-on-disconnect tasks nobody watches, and prunes the journal.
#pragma once

#include "delegation/DelegationEngine.hpp"
#include "delegation/WorkerPool.hpp"
#include "tasks/EventStream.hpp"
#include "tasks/TaskStore.hpp"

#include <spdlog/logger.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace rivet::tasks {

struct TaskSettings {
  std::string nodeName;
  int maxRunning = 64;
  std::chrono::milliseconds keepalive{15000};
  std::chrono::milliseconds disconnectGrace{15000};
  std::chrono::milliseconds pruneEvery{std::chrono::minutes(10)};
  double progressRate = 20; // progress events per second and task, beyond the burst
  int progressBurst = 100;
  size_t maxChildren = 256; // remote tasks recorded per task (more still run, unrecorded)
};

struct Submit {
  std::string caller; // "cn:<CN>" of the certificate that sent it
  std::string idempotencyKey;
  bool cancelOnDisconnect = false;
  std::string traceId;
  std::string requestJson;         // the body as received
  delegation::TaskRequest request; // toAgent set
};

struct SubmitResult {
  int status = 202;               // 202 a new task, 200 the task this key named, 503 busy
  std::optional<TaskRecord> task; // 202 / 200
  std::string error;              // 503: why
  int retryAfterSeconds = 0;
};

class TaskService {
public:
  TaskService(TaskStore& store, delegation::DelegationEngine& engine, TaskSettings settings);
  ~TaskService();
  TaskService(const TaskService&) = delete;
  TaskService& operator=(const TaskService&) = delete;

  // Fails the tasks a previous run left running, and starts the background thread.
  void start();
  // Shutdown: every running task is cancelled (so is what it started on other nodes) and ends
  // failed, "node <name> stopped while the task ran".
  void stopAll();
  // Ends every attached stream (before the transport goes) and stops the background thread.
  void closeStreams();
  // Waits up to `grace` for running tasks to finish (the engine cancels them at shutdown).
  void drain(std::chrono::milliseconds grace);

  SubmitResult submit(Submit submit);
  // nullopt: no such task, or another caller's (both are 404 for the caller).
  std::optional<TaskRecord> find(const std::string& id, const std::string& caller);
  std::vector<TaskRecord> list(const std::string& caller, const std::string& state, size_t limit);
  // Ids of the caller's tasks of `agent` (every caller's for the node itself), newest first,
  // by state and A2A context ("" any): TaskStore::listIds.
  std::vector<std::string> listIds(const std::string& caller, const std::string& agent,
                                   const std::string& state, const std::string& contextId,
                                   size_t limit);
  // Cancels a running task (and what it delegated); waits up to 3 s for it to end. Returns the
  // task as it is then; nullopt as find().
  std::optional<TaskRecord> cancel(const std::string& id, const std::string& caller);
  // Sends the events after `afterSeq` to `stream`, then the new ones as they come; a finished
  // task's stream ends after its last event. False (nothing sent, stream not ended) as find().
  bool attach(const std::string& id, const std::string& caller, int64_t afterSeq,
              const std::shared_ptr<EventStream>& stream);

  // Up to 200 events of `task` (as find() returned it) after `afterSeq`, oldest first.
  std::vector<TaskEvent> eventsAfter(const TaskRecord& task, int64_t afterSeq);

  delegation::DelegationEngine& engine() { return engine_; }

  // The certificate identity of this node itself (its CLI): it sees every task.
  bool isNodeItself(const std::string& caller) const;

private:
  struct Watcher {
    std::shared_ptr<EventStream> stream;
    std::chrono::steady_clock::time_point lastWrite;
  };
  struct Live {
    std::shared_ptr<plugin::TaskContext> root; // cancelling it cancels the task
    std::vector<Watcher> watchers;
    bool cancelOnDisconnect = false;
    std::chrono::steady_clock::time_point unwatchedSince;
    std::string canceledBy;
    bool stopped = false; // stopAll(): ends failed, not canceled
    // The progress limiter: tokens refill at progressRate up to progressBurst; text beyond it
    // waits in `pending` (per agent@node, a few at most) for the next token, other kinds are
    // dropped and counted.
    struct Pending {
      std::string agent, node, text;
    };
    double tokens = 0;
    std::chrono::steady_clock::time_point refilled;
    std::vector<Pending> pending;
    size_t pendingBytes = 0;
    int64_t dropped = 0;
    size_t children = 0;
  };
  class Observer; // a task's plugin::TaskObserver
  struct Relay;   // what observers reach the service through; cut when it is destroyed

  void onProgress(const std::string& id, std::string_view agent, std::string_view node,
                  std::string_view kind, std::string_view text);
  void onDelegation(const std::string& id, const plugin::RemoteChild& child, std::string_view state,
                    std::string_view resultJson, bool ended);
  void onChildEvent(const std::string& id, const plugin::RemoteChild& child, std::string_view type,
                    std::string_view dataJson);
  // Under mutex_: refills the limiter; sends the held-back text (and the count of dropped
  // events) as far as tokens allow, or all of it when `all` (the task ends).
  void releaseProgressLocked(const std::string& id, Live& live, bool all);

  void run(const std::string& id, delegation::TaskRequest request);
  // After a journal error in run(): the task leaves live_ and its streams end.
  void abandon(const std::string& id);
  // Under mutex_: stores the event and sends it to the task's watchers.
  void emitLocked(const std::string& id, Live* live, const std::string& type,
                  const std::string& dataJson);
  void tick();
  void loop();
  bool visible(const TaskRecord& task, const std::string& caller) const;
  static int64_t nowMs();

  TaskStore& store_;
  delegation::DelegationEngine& engine_;
  TaskSettings settings_;
  std::shared_ptr<spdlog::logger> logger_;

  std::mutex mutex_;
  std::condition_variable ended_; // a task left live_
  std::map<std::string, Live> live_;
  bool closed_ = false; // closeStreams(): no stream is attached any more
  std::atomic<int> running_{0};
  std::shared_ptr<Relay> relay_;
  delegation::WorkerPool pool_;

  std::mutex loopMutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

} // namespace rivet::tasks
