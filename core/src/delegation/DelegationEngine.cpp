// Local and remote execution of tasks, with RivetOS's texts for refusals and failures.
#include "delegation/DelegationEngine.hpp"

#include "delegation/RemoteCall.hpp"
#include "log/Log.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <set>

namespace rivet::delegation {
namespace {

using Clock = std::chrono::steady_clock;

int64_t msSince(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t).count();
}

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& i : items)
    out += (out.empty() ? "" : ", ") + i;
  return out;
}

} // namespace

// What a worker and the waiting caller share; outlives whichever finishes first.
struct DelegationEngine::Pending {
  std::mutex mutex;
  std::condition_variable done;
  bool finished = false;
  plugin::TaskOutput output;
  std::atomic<bool> cancelled{false};
};

bool DelegationEngine::shutdown(std::chrono::milliseconds grace) {
  {
    std::lock_guard<std::mutex> lock(pendingMutex_);
    for (auto& weak : pending_)
      if (auto p = weak.lock())
        p->cancelled = true;
  }
  return workers_.drain(grace);
}

DelegationEngine::DelegationEngine(EngineSettings settings, const plugin::AgentSet& agents,
                                   MeshDirectory* directory, PeerCaller caller)
    : settings_(std::move(settings)), agents_(agents), directory_(directory),
      caller_(std::move(caller)), workers_(settings_.agentWorkers),
      logger_(log::get("MeshDelegation")) {}

const char* DelegationEngine::statusName(rivet_task_status s) {
  switch (s) {
  case RIVET_TASK_COMPLETED:
    return "completed";
  case RIVET_TASK_TIMEOUT:
    return "timeout";
  case RIVET_TASK_REJECTED:
    return "rejected";
  default:
    return "failed";
  }
}

Outcome DelegationEngine::handleInbound(const TaskRequest& request) {
  return route(request, true);
}
Outcome DelegationEngine::delegate(const TaskRequest& request) {
  return route(request, false);
}

std::string DelegationEngine::delegableAgents() const {
  std::set<std::string> ids;
  for (const auto& id : agents_.ids())
    ids.insert(id);
  if (directory_)
    for (const auto& id : directory_->remoteAgents())
      ids.insert(id);
  return ids.empty() ? "(none reachable)" : joined({ids.begin(), ids.end()});
}

Outcome DelegationEngine::route(const TaskRequest& request, bool inbound) {
  auto started = Clock::now();
  std::shared_ptr<plugin::AgentInstance> local =
      request.toAgent.empty() ? agents_.defaultAgent() : agents_.find(request.toAgent);
  std::string target = local ? local->id() : request.toAgent;
  Outcome out;
  out.agent = target;
  if (!local && request.toAgent.empty()) {
    out.httpStatus = 503;
    out.text = "No agents available on this node";
    return out;
  }
  if (request.chainDepth >= settings_.maxChainDepth) {
    out.status = RIVET_TASK_REJECTED;
    out.text = "Delegation chain depth limit reached (" + std::to_string(settings_.maxChainDepth) +
               "). Chain: " + request.fromAgent + " → " + target + " at depth " +
               std::to_string(request.chainDepth) +
               ". Increase maxChainDepth in config if deeper chains are needed.";
    out.durationMs = msSince(started);
    return out;
  }
  if (local) {
    logger_->info("Delegating to {} locally", target);
    out = runLocal(*local, request);
  } else {
    std::vector<RemoteNode> nodes =
        directory_ ? directory_->candidates(target) : std::vector<RemoteNode>{};
    if (nodes.empty()) {
      std::vector<std::string> down =
          directory_ ? directory_->unavailableHosts(target) : std::vector<std::string>{};
      if (!down.empty()) {
        out.httpStatus = 503;
        out.text =
            "Agent \"" + target + "\" is hosted only on nodes that are offline: " + joined(down);
      } else {
        out.httpStatus = 404;
        out.text =
            "Agent \"" + target +
            "\" not found locally or in the mesh. Agents you can delegate to: " + delegableAgents();
      }
      if (!inbound) { // an agent asking gets a failed result, not an HTTP status
        out.status = RIVET_TASK_FAILED;
        out.httpStatus = 0;
      }
      out.durationMs = msSince(started);
      return out;
    }
    TaskRequest forwarded = request;
    forwarded.toAgent = target;
    // A task that arrived here and goes on to another node makes one more hop; a task an agent
    // delegates already counts its hop (Node::delegate).
    if (inbound)
      forwarded.chainDepth += 1;
    out = runRemote(nodes, forwarded);
  }
  out.agent = target;
  out.durationMs = msSince(started);
  return out;
}

Outcome DelegationEngine::runLocal(const plugin::AgentInstance& agent, const TaskRequest& r) {
  plugin::TaskInput in;
  in.fromAgent = r.fromAgent;
  in.message = r.task;
  in.model = r.model;
  in.chainDepth = static_cast<uint32_t>(r.chainDepth);
  in.timeoutMs = r.timeoutMs;
  Outcome out;
  if (agent.isInline()) { // quick and non-blocking: no thread hop
    std::atomic<bool> never{false};
    plugin::TaskOutput o = agent.handle(in, never);
    out.status = o.status;
    out.text = std::move(o.text);
    return out;
  }
  auto pending = std::make_shared<Pending>();
  {
    std::lock_guard<std::mutex> lock(pendingMutex_);
    pending_.erase(
        std::remove_if(pending_.begin(), pending_.end(), [](const auto& w) { return w.expired(); }),
        pending_.end());
    pending_.push_back(pending);
  }
  auto shared = agents_.find(agent.id()); // keeps the agent alive while a worker runs it
  bool started = workers_.trySubmit([pending, shared, in] {
    plugin::TaskOutput o = shared->handle(in, pending->cancelled);
    std::lock_guard<std::mutex> lock(pending->mutex);
    pending->output = std::move(o);
    pending->finished = true;
    pending->done.notify_all();
  });
  if (!started) {
    out.httpStatus = 503;
    out.retryAfterSeconds = 5;
    out.text = "Node busy: all " + std::to_string(workers_.size()) + " agent workers are in use";
    return out;
  }
  std::unique_lock<std::mutex> lock(pending->mutex);
  if (!pending->done.wait_for(lock, std::chrono::milliseconds(r.timeoutMs),
                              [&] { return pending->finished; })) {
    pending->cancelled = true; // the agent may poll it; its worker stays busy until it returns
    out.status = RIVET_TASK_TIMEOUT;
    out.text =
        "Delegation to " + agent.id() + " timed out after " + std::to_string(r.timeoutMs) + "ms";
    return out;
  }
  out.status = pending->output.status;
  out.text = std::move(pending->output.text);
  return out;
}

Outcome DelegationEngine::runRemote(const std::vector<RemoteNode>& nodes, const TaskRequest& r) {
  Outcome out;
  std::string lastReason = "no candidate was tried";
  for (const auto& node : nodes) {
    if (!breaker_.allow(node.name)) {
      lastReason = node.name + " skipped: its circuit is open after repeated failures";
      continue;
    }
    logger_->info("Delegating to {} remotely via {} ({}:{})", r.toAgent, node.name, node.host,
                  node.port);
    RemoteResult result = callRemote(caller_, node, r, settings_.remoteGraceMs);
    if (result.reachedAgent) {
      breaker_.recordSuccess(node.name);
      out.status = result.status;
      out.text = std::move(result.text);
      return out;
    }
    if (!result.mayFailOver) { // delivered: an LLM task is never sent twice
      breaker_.recordFailure(node.name, result.text);
      out.status = result.status;
      out.text = std::move(result.text);
      return out;
    }
    breaker_.recordFailure(node.name, result.text);
    logger_->warn("{}; trying the next node", result.text);
    lastReason = result.text;
  }
  out.status = RIVET_TASK_FAILED;
  out.text =
      "Remote delegation to " + r.toAgent + " failed on every node that hosts it: " + lastReason;
  return out;
}

} // namespace rivet::delegation
