// Routes every task (PROTOCOL.md §5): a local agent runs in-process (inline, or on the bounded
// worker pool under its deadline); otherwise the registry's candidates are tried in turn over the
// transport, failing over only while the request was not delivered, with a per-peer breaker.
#pragma once

#include "delegation/CircuitBreaker.hpp"
#include "delegation/MeshDirectory.hpp"
#include "delegation/WorkerPool.hpp"
#include "plugin/AgentSet.hpp"

#include <spdlog/logger.h>

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace rivet::delegation {

struct TaskRequest {
  std::string fromAgent;
  std::string task;    // without the "[Mesh delegation]" prefix
  std::string toAgent; // empty: the default agent
  std::string model;
  int64_t chainDepth =
      0; // the depth the task has here (as received, or the delegating agent's + 1)
  int64_t timeoutMs = 120000;
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
};

using PeerCaller = std::function<rivet_net_result(const rivet_peer_request&, rivet_peer_response&)>;

struct EngineSettings {
  std::string nodeName;
  int maxChainDepth = 3;
  int agentWorkers = 64;
  int64_t remoteGraceMs = 5000; // the sender waits timeoutMs + this for a remote answer
};

class DelegationEngine {
public:
  DelegationEngine(EngineSettings settings, const plugin::AgentSet& agents,
                   MeshDirectory* directory, PeerCaller caller);

  // A task that arrived on /api/message (depth as received).
  Outcome handleInbound(const TaskRequest& request);
  // A task an agent delegates through the host (depth already counts this hop).
  Outcome delegate(const TaskRequest& request);

  void setDirectory(MeshDirectory* directory) { directory_ = directory; }
  // Shutdown: refuses new local work, tells running agents they are cancelled and waits up to
  // `grace` for them. False when some agent is still running after it.
  bool shutdown(std::chrono::milliseconds grace);
  static const char* statusName(rivet_task_status s);

private:
  Outcome route(const TaskRequest& request, bool inbound);
  Outcome runLocal(const plugin::AgentInstance& agent, const TaskRequest& request);
  Outcome runRemote(const std::vector<RemoteNode>& nodes, const TaskRequest& request);
  std::string delegableAgents() const;

  EngineSettings settings_;
  const plugin::AgentSet& agents_;
  MeshDirectory* directory_;
  PeerCaller caller_;
  WorkerPool workers_;
  CircuitBreaker breaker_;
  struct Pending;
  std::mutex pendingMutex_;
  std::vector<std::weak_ptr<Pending>> pending_; // tasks on workers, for cancellation at shutdown
  std::shared_ptr<spdlog::logger> logger_;
};

} // namespace rivet::delegation
