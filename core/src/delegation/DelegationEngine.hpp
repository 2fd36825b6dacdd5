// Routes every task (docs/protocol.md): a local agent runs in-process (inline, or on the bounded
// worker pool under its deadline); otherwise the registry's candidates are tried in turn over the
// transport, failing over only while the request was not delivered, with a per-peer breaker.
// It enforces the chain rules: depth limit, cycles along the task's path, and a delegation's
// deadline within its parent's.
#pragma once

#include "delegation/CircuitBreaker.hpp"
#include "delegation/MeshDirectory.hpp"
#include "delegation/WorkerPool.hpp"
#include "metrics/NodeMetrics.hpp"
#include "plugin/AgentSet.hpp"
#include "plugin/LiveTasks.hpp"
#include "policy/Gate.hpp"

#include <spdlog/logger.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace rivet::delegation {

struct TaskRequest {
  TaskRequest() = default;
  TaskRequest(std::string from, std::string text, std::string to, std::string modelName,
              int64_t depth, int64_t timeout)
      : fromAgent(std::move(from)), task(std::move(text)), toAgent(std::move(to)),
        model(std::move(modelName)), chainDepth(depth), timeoutMs(timeout) {}

  std::string fromAgent;
  std::string task;    // without the "[Mesh delegation]" prefix
  std::string toAgent; // empty: the default agent
  std::string model;
  // The depth of the task to run: as received, or the delegating task's + 1.
  int64_t chainDepth = 0;
  int64_t timeoutMs = 120000;
  std::string fromNode;          // the asker's node, when known
  std::string traceId;           // W3C trace id (32 hex); empty: the parent's, or none
  std::vector<std::string> path; // "agent@node" hops before the agent to run, the asker last
  // The running task that delegates (agents only): the new task's deadline fits in its
  // parent's, and the parent's cancellation reaches it.
  std::shared_ptr<plugin::TaskContext> parent;
  // Policy (docs/policy.md). peerCn: the certificate that sent the task (empty: an agent of
  // this node asks); callerClaim: the `caller` field it carried; callerField: the caller to
  // name when forwarding it on. `admitted`: the policy admitted it already, holding `slot`.
  std::string peerCn;
  std::string callerClaim;
  std::string callerField;
  bool admitted = false;
  std::shared_ptr<policy::Slot> slot;
  // This node's agent for toAgent (the default one when it is empty), when the caller looked it
  // up already: the engine does not look again.
  std::shared_ptr<plugin::AgentInstance> local;
};

struct Outcome {
  rivet_task_status status = RIVET_TASK_FAILED;
  std::string text;
  std::string agent;
  int64_t durationMs = 0;
  // When the task cannot be attempted at all: the HTTP status and error text for the channel
  // (404 unknown agent, 503 busy / offline hosts / no agents). 0: a normal result.
  int httpStatus = 0;
  int retryAfterSeconds = 0;
  // Every node that hosts the agent refused the caller by its policy (403).
  bool policyRefused = false;
  // Set when a remote node answered with another agent than the one asked for (a RivetOS node
  // runs its first agent whatever toAgent says): `agent` is then the one that answered.
  std::string requestedAgent;
};

struct RemoteResult; // RemoteCall.hpp
struct PeerAnswer;   // RemoteCall.hpp

using PeerCaller = std::function<rivet_net_result(const rivet_peer_request&, rivet_peer_response&)>;
// The transport's request_async (ABI 1.6): false when it did not take the request.
using AsyncPeerCaller =
    std::function<bool(const rivet_peer_request&, std::function<void(PeerAnswer)>)>;

struct EngineSettings {
  std::string nodeName;
  int maxChainDepth = 3;
  int agentWorkers = 64;
  int64_t remoteGraceMs = 5000; // the sender waits timeoutMs + this for a remote answer
  int64_t parentMarginMs = 500; // a delegation ends this much before its parent's deadline
};

class DelegationEngine {
public:
  DelegationEngine(EngineSettings settings, const plugin::AgentSet& agents,
                   MeshDirectory* directory, PeerCaller caller);
  // Waits for remote calls that a cancelled task stopped waiting for (each has a deadline).
  ~DelegationEngine();

  // A task that arrived on /api/message (depth as received).
  Outcome handleInbound(const TaskRequest& request);
  Outcome handleInbound(TaskRequest&& request);
  // The policy's admission of a task that arrived (before the task API records it): on a
  // refusal, the Outcome's httpStatus (403, 429) and text; else httpStatus 0, with `request`
  // marked admitted and holding its place.
  Outcome admit(TaskRequest& request, bool inbound);
  // The node's policy (null: none, every caller is admitted); set before the first task.
  void setPolicy(policy::Gate* gate) { policy_ = gate; }
  // A task for `agent` may be answered on the transport's I/O thread: it never waits for a place.
  bool neverWaits(const std::string& agent) const { return !policy_ || !policy_->limits(agent); }
  // An inbound task for an agent of other nodes, forwarded on the transport's loop (ABI 1.6)
  // without a worker: `done` runs once with its outcome (at once when it is refused, else on a
  // transport thread). False, and `done` never runs, when it needs handleInbound: the agent is
  // local or there is no asynchronous transport.
  bool forwardInbound(TaskRequest request, std::function<void(Outcome)> done);
  // Set before the first task; used from `useAsyncCaller(true)` on (the transport has it).
  void setAsyncCaller(AsyncPeerCaller caller) { asyncCaller_ = std::move(caller); }
  void useAsyncCaller(bool on) { asyncOn_.store(on && asyncCaller_, std::memory_order_release); }
  bool forwardsOnLoop() const { return asyncOn_.load(std::memory_order_acquire); }
  // A task an agent delegates through the host (depth already counts this hop).
  Outcome delegate(const TaskRequest& request);

  // The roster of abi.h for agent `caller`, running `task` (null: a new task of it).
  std::string roster(const std::string& caller, const plugin::TaskContext* task);
  // Every agent a new task from `caller` (a client outside this node's agents) may be sent to:
  // this node's agents and the mesh's reachable ones, less those whose policy refuses it
  // (`caller` null: every reachable agent, whatever the policies say).
  struct Reachable {
    std::string id, node, provider, model;
    bool local = false;
    std::string description; // this node's agents: what describe() said (abi.h 1.5)
  };
  std::vector<Reachable> reachable(const policy::Caller* caller);
  // Tasks running on this node's agents (for delegate(), roster() and task credentials).
  plugin::LiveTasks& liveTasks() { return *live_; }
  const EngineSettings& settings() const { return settings_; }

  void setDirectory(MeshDirectory* directory) { directory_ = directory; }
  // Where tasks and delegations are counted (null: nowhere); set before the first task.
  void setMetrics(metrics::NodeMetrics* m) { metrics_ = m; }
  const WorkerPool& workers() const { return workers_; }
  const CircuitBreaker& breaker() const { return breaker_; }
  // One request to node `node` as the registry lists it among the hosts of `agent` (its host,
  // then <name>.mesh); net RIVET_NET_NOT_DELIVERED with the reason when it is not listed.
  PeerAnswer askNode(const std::string& node, const std::string& agent, std::string_view method,
                     const std::string& path, int64_t timeoutMs);
  // Shutdown: refuses new local work, tells running agents they are cancelled and waits up to
  // `grace` for them, and up to `remoteGrace` for remote calls of cancelled tasks (which send
  // their cancels to the nodes running them). False when some are still running after it.
  bool shutdown(std::chrono::milliseconds grace,
                std::chrono::milliseconds remoteGrace = std::chrono::milliseconds(0));
  // Tells every running task it is cancelled (and so every delegation it started).
  void cancelRunning();
  static const char* statusName(rivet_task_status s);

private:
  // Where a task runs: a local agent, or the nodes that host its agent.
  struct Placement {
    std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
    std::shared_ptr<plugin::AgentInstance> local;
    std::string target;
    std::vector<RemoteNode> nodes;
  };
  bool place(TaskRequest& request, bool inbound, Placement& to, Outcome& out);
  Outcome placed(Outcome out, const Placement& to, bool inbound) const;
  Outcome route(TaskRequest request, bool inbound);
  // Its ids and path move into the task's context (the caller does not read them after).
  Outcome runLocal(const plugin::AgentInstance& agent, TaskRequest& request);
  // The nodes of a remote agent in turn (RemoteRound.cpp).
  struct Round;
  struct AsyncRound;
  bool mayTry(const RemoteNode& node, const TaskRequest& r, Round& round);
  bool settle(const RemoteNode& node, const TaskRequest& r, RemoteResult result, Round& round);
  Outcome exhausted(const std::vector<RemoteNode>& nodes, const TaskRequest& r, Round& round);
  void countAttempt(const RemoteNode& node, const TaskRequest& r, const Round& round,
                    metrics::DelegationResult result);
  Outcome runRemote(const std::vector<RemoteNode>& nodes, const TaskRequest& request);
  void runRemoteAsync(std::vector<RemoteNode> nodes, TaskRequest request,
                      std::function<void(Outcome)> done);
  void tryNext(std::shared_ptr<AsyncRound> round);
  // One remote call that stops waiting when the delegating task is cancelled.
  struct RemoteAttempt;
  void callRemoteFor(const RemoteNode& node, const TaskRequest& r, RemoteAttempt& attempt);
  // One node: its registry host, then <name>.mesh while nothing was delivered.
  RemoteResult callNode(const RemoteNode& node, const TaskRequest& r, int64_t graceMs);
  std::string delegableAgents() const;
  // Takes r's fromAgent, fromNode, path and traceId.
  std::shared_ptr<plugin::TaskContext> contextFor(const plugin::AgentInstance& agent,
                                                  TaskRequest& r) const;

  EngineSettings settings_;
  const plugin::AgentSet& agents_;
  MeshDirectory* directory_;
  PeerCaller caller_;
  AsyncPeerCaller asyncCaller_; // empty: forwarding always takes a worker
  std::atomic<bool> asyncOn_{false};
  WorkerPool workers_;
  CircuitBreaker breaker_;
  struct Pending;
  std::mutex pendingMutex_;
  std::vector<std::weak_ptr<plugin::TaskContext>> running_; // for cancellation at shutdown
  std::condition_variable remoteDone_;
  int remoteInFlight_ = 0; // remote calls of cancelled parents still under way (pendingMutex_)
  // Shared with the workers: one that outlives the engine (a task that ignored shutdown) still
  // ends its task's registration safely.
  std::shared_ptr<plugin::LiveTasks> live_ = std::make_shared<plugin::LiveTasks>();
  std::shared_ptr<spdlog::logger> logger_;
  metrics::NodeMetrics* metrics_ = nullptr;
  policy::Gate* policy_ = nullptr;
  std::atomic<bool> stopping_{false};
  // 403s from other nodes, remembered until their policy summary changes: "node\nagent\nasker"
  // (asker: Caller::text(), "agent@node") to the revision it had then.
  std::mutex refusedMutex_;
  std::map<std::string, std::string> refused_;
  bool refusedBefore(const std::string& node, const std::string& agent, const std::string& from,
                     const std::string& revision);
  void rememberRefusal(const RemoteNode& node, const std::string& agent, const std::string& from);
};

} // namespace rivet::delegation
