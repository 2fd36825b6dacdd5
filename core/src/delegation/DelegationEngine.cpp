// Local and remote execution of tasks, the chain rules, and RivetOS's texts for refusals and
// failures.
#include "delegation/DelegationEngine.hpp"

#include "delegation/ChainRules.hpp"
#include "delegation/RemoteCall.hpp"
#include "delegation/RemoteTask.hpp"
#include "log/Log.hpp"
#include "log/TaskText.hpp"
#include "util/RandomHex.hpp"

#include "rivet/sdk/plugin.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <set>
#include <thread>

#include <openssl/crypto.h>

namespace rivet::delegation {
namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kWaitSlice = std::chrono::milliseconds(50); // how often a parent's cancel is seen

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
};

DelegationEngine::DelegationEngine(EngineSettings settings, const plugin::AgentSet& agents,
                                   MeshDirectory* directory, PeerCaller caller)
    : settings_(std::move(settings)), agents_(agents), directory_(directory),
      caller_(std::move(caller)), workers_(settings_.agentWorkers),
      logger_(log::get("MeshDelegation")) {}

DelegationEngine::~DelegationEngine() {
  std::unique_lock<std::mutex> lock(pendingMutex_);
  remoteDone_.wait(lock, [this] { return remoteInFlight_ == 0; });
}

void DelegationEngine::cancelRunning() {
  std::vector<std::shared_ptr<plugin::TaskContext>> running;
  {
    std::lock_guard<std::mutex> lock(pendingMutex_);
    for (auto& weak : running_)
      if (auto task = weak.lock())
        running.push_back(std::move(task));
  }
  if (!running.empty())
    logger_->info("Cancelling {} running task{}", running.size(), running.size() == 1 ? "" : "s");
  for (auto& task : running)
    task->cancel();
}

bool DelegationEngine::shutdown(std::chrono::milliseconds grace,
                                std::chrono::milliseconds remoteGrace) {
  stopping_ = true; // tasks waiting for a place stop waiting
  cancelRunning();
  auto until = Clock::now() + std::max(grace, remoteGrace);
  bool drained = workers_.drain(grace);
  std::unique_lock<std::mutex> lock(pendingMutex_);
  return remoteDone_.wait_until(lock, until, [this] { return remoteInFlight_ == 0; }) && drained;
}

const char* DelegationEngine::statusName(rivet_task_status s) {
  return sdk::statusName(s);
}

Outcome DelegationEngine::handleInbound(const TaskRequest& request) {
  return route(request, true);
}
Outcome DelegationEngine::handleInbound(TaskRequest&& request) {
  return route(std::move(request), true);
}
Outcome DelegationEngine::delegate(const TaskRequest& request) {
  return route(request, false);
}

std::string DelegationEngine::roster(const std::string& caller, const plugin::TaskContext* task) {
  const policy::Caller me{settings_.nodeName, caller};
  auto refuses = [&](const std::string& agent, const RemoteAgent* remote) {
    if (!remote)
      return policy_ && !policy_->decide(agent, me).allowed;
    if (remote->policy && !remote->policy->decide(agent, me).allowed)
      return true;
    return refusedBefore(remote->node, agent, caller + "@" + settings_.nodeName,
                         remote->policyRevision);
  };
  return buildRoster(settings_, agents_, directory_, breaker_, caller, task, refuses);
}

std::vector<DelegationEngine::Reachable> DelegationEngine::reachable(const policy::Caller* caller) {
  std::vector<Reachable> out;
  for (const auto& a : agents_.list())
    if (!caller || !policy_ || policy_->decide(a->id(), *caller).allowed)
      out.push_back(
          {a->id(), settings_.nodeName, a->provider(), a->model(), true, a->description()});
  if (!directory_)
    return out;
  for (const auto& a : directory_->reachableAgents()) {
    // A local agent of the same id is the one a task reaches; one entry per agent id.
    bool seen =
        std::any_of(out.begin(), out.end(), [&](const Reachable& r) { return r.id == a.id; });
    if (seen || breaker_.isOpen(a.node) ||
        (caller && a.policy && !a.policy->decide(a.id, *caller).allowed))
      continue;
    out.push_back({a.id, a.node, a.provider, a.model, false, ""});
  }
  return out;
}

bool DelegationEngine::refusedBefore(const std::string& node, const std::string& agent,
                                     const std::string& from, const std::string& revision) {
  std::lock_guard<std::mutex> lock(refusedMutex_);
  auto it =
      refused_.find(node + "\n" + agent + "\n" + std::to_string(std::hash<std::string>()(from)));
  if (it == refused_.end())
    return false;
  if (it->second == revision)
    return true;
  refused_.erase(it); // its policy changed since: ask again
  return false;
}

void DelegationEngine::rememberRefusal(const RemoteNode& node, const std::string& agent,
                                       const std::string& from) {
  constexpr size_t kRemembered = 4096;
  std::lock_guard<std::mutex> lock(refusedMutex_);
  if (refused_.size() >= kRemembered)
    refused_.clear(); // forgetting costs one more refused request each, no more
  // The asker by its hash: fromAgent is any string a sender likes, of any length.
  refused_[node.name + "\n" + agent + "\n" + std::to_string(std::hash<std::string>()(from))] =
      node.policyRevision;
}

Outcome DelegationEngine::admit(TaskRequest& r, bool inbound) {
  Outcome out;
  if (r.admitted || !policy_) {
    r.admitted = true;
    return out;
  }
  if (r.local && r.callerClaim.empty() && policy_->admitsUnclaimed()) {
    r.admitted = true; // what admit() answers then, without building the arrival
    r.callerField.clear();
    return out;
  }
  auto local = r.local             ? r.local
               : r.toAgent.empty() ? agents_.defaultAgent()
                                   : agents_.find(r.toAgent);
  policy::Arrival arrival{local ? local->id() : "", r.peerCn, r.fromNode, r.callerClaim,
                          r.fromAgent};
  policy::Admission a = policy_->admit(arrival);
  if (a.status != 0) {
    out.agent = local ? local->id() : r.toAgent;
    out.text = std::move(a.error);
    if (inbound) {
      out.httpStatus = a.status;
      out.retryAfterSeconds = a.retryAfterSeconds;
    } else { // an agent asking gets a result, not an HTTP status
      out.status = a.status == 403 ? RIVET_TASK_REJECTED : RIVET_TASK_FAILED;
    }
    out.policyRefused = a.status == 403;
    return out;
  }
  r.admitted = true;
  r.slot = std::move(a.slot);
  if (r.fromNode != a.caller.node)
    r.fromNode = std::move(a.caller.node);
  r.callerField = std::move(a.callerField);
  return out;
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

// The checks every task passes, and where it runs: false, with `out` the outcome, when it is
// decided already. `r` as it will run (admitted, its deadline within its parent's, toAgent set
// for a remote agent).
bool DelegationEngine::place(TaskRequest& r, bool inbound, Placement& to, Outcome& out) {
  const TaskRequest& request = r; // as it arrived, until the changes below
  if (!r.local)
    r.local = request.toAgent.empty() ? agents_.defaultAgent() : agents_.find(request.toAgent);
  to.local = r.local;
  to.target = to.local ? to.local->id() : request.toAgent;
  out.agent = to.target;
  auto refuse = [&](rivet_task_status status, std::string text) {
    out.status = status;
    out.text = std::move(text);
    out.durationMs = msSince(to.started);
    return false;
  };
  const std::string& target = to.target;
  if (!to.local && request.toAgent.empty()) {
    out.httpStatus = 503;
    out.text = "No agents available on this node";
    return false;
  }
  if (request.chainDepth > settings_.maxChainDepth)
    return refuse(RIVET_TASK_REJECTED, depthRefusal(settings_.maxChainDepth, request.fromAgent,
                                                    target, request.chainDepth));
  if (!r.admitted) {
    Outcome refused = admit(r, inbound);
    if (!r.admitted) {
      out = std::move(refused);
      out.durationMs = msSince(to.started);
      return false;
    }
  }
  if (r.parent && r.traceId.empty())
    r.traceId = r.parent->traceId;
  if (r.parent) { // a delegation ends before the task that asked for it
    int64_t left = r.parent->remainingMs() - settings_.parentMarginMs;
    if (r.parent->cancelled())
      return refuse(RIVET_TASK_FAILED, "Delegation to " + target + " not started: the task of " +
                                           r.parent->agentId + " that asked for it was cancelled");
    if (left <= 0)
      return refuse(RIVET_TASK_TIMEOUT,
                    "Delegation to " + target + " not started: the task of " + r.parent->agentId +
                        " that asked for it has " +
                        std::to_string(std::max<int64_t>(0, left + settings_.parentMarginMs)) +
                        " ms left");
    r.timeoutMs = std::min(r.timeoutMs, left);
  }
  if (to.local) {
    if (onPath(r.path, to.local->id() + "@" + settings_.nodeName))
      return refuse(RIVET_TASK_REJECTED,
                    cycleRefusal(r.path, to.local->id() + "@" + settings_.nodeName));
    return true;
  }
  std::vector<RemoteNode> nodes =
      directory_ ? directory_->candidates(target) : std::vector<RemoteNode>{};
  if (!nodes.empty()) {
    std::vector<RemoteNode> open;
    for (auto& n : nodes)
      if (!onPath(r.path, target + "@" + n.name))
        open.push_back(std::move(n));
    if (open.empty()) // every node hosting it already has it on this task's path
      return refuse(RIVET_TASK_REJECTED, cycleRefusal(r.path, target + "@" + nodes[0].name));
    nodes = std::move(open);
  }
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
    out.durationMs = msSince(to.started);
    return false;
  }
  // Forwarding a request to the node hosting its agent is not a delegation: the depth stays.
  r.toAgent = target;
  to.nodes = std::move(nodes);
  return true;
}

Outcome DelegationEngine::placed(Outcome out, const Placement& to, bool inbound) const {
  if (!to.local && inbound && out.policyRefused) // every host refused the caller: so does this node
    out.httpStatus = 403;
  if (out.requestedAgent.empty())
    out.agent = to.target;
  out.durationMs = msSince(to.started);
  return out;
}

Outcome DelegationEngine::route(TaskRequest r, bool inbound) {
  Placement to;
  Outcome out;
  if (!place(r, inbound, to, out))
    return out;
  log::TaskScope scope(r.parent ? r.parent->taskId : "", r.traceId);
  if (to.local) {
    logger_->info("Delegating to {} locally", to.target);
    auto ran = Clock::now();
    out = runLocal(*to.local, r);
    if (metrics_)
      metrics_->taskEnded(to.local->id(), out.status, out.httpStatus == 503,
                          std::chrono::duration<double>(Clock::now() - ran).count());
  } else {
    out = runRemote(to.nodes, r);
  }
  return placed(std::move(out), to, inbound);
}

bool DelegationEngine::forwardInbound(TaskRequest r, std::function<void(Outcome)> done) {
  if (!forwardsOnLoop() || r.parent || r.toAgent.empty() || agents_.find(r.toAgent))
    return false; // a local agent, or a delegating task (its cancel needs a waiting thread)
  Placement to;
  Outcome out;
  if (!place(r, true, to, out)) {
    done(std::move(out));
    return true;
  }
  log::TaskScope scope("", r.traceId);
  std::vector<RemoteNode> nodes = std::move(to.nodes); // before `to` moves into the lambda
  runRemoteAsync(std::move(nodes), std::move(r),
                 [this, to = std::move(to), done = std::move(done)](Outcome o) {
                   done(placed(std::move(o), to, true));
                 });
  return true;
}

std::shared_ptr<plugin::TaskContext>
DelegationEngine::contextFor(const plugin::AgentInstance& agent, TaskRequest& r) const {
  auto task = std::make_shared<plugin::TaskContext>();
  task->agentId = agent.id();
  task->nodeName = settings_.nodeName;
  task->fromAgent = std::move(r.fromAgent);
  task->fromNode = std::move(r.fromNode);
  task->path = std::move(r.path);
  task->depth = r.chainDepth;
  task->traceId = std::move(r.traceId);
  task->startClock(r.timeoutMs);
  if (r.parent)
    r.parent->adopt(task);
  return task;
}

Outcome DelegationEngine::runLocal(const plugin::AgentInstance& agent, TaskRequest& request) {
  Outcome out;
  TaskRequest* use = &request;
  TaskRequest waited;
  if (request.slot && !request.slot->running()) { // queued: its deadline counts while it waits
    auto from = Clock::now();
    auto until = from + std::chrono::milliseconds(request.timeoutMs);
    auto parent = request.parent;
    auto stop = [this, &parent] { return stopping_.load() || (parent && parent->cancelled()); };
    bool turn = request.slot->waitTurn(until, stop);
    if (!turn) {
      const bool cancelled = stop();
      out.status = cancelled ? RIVET_TASK_FAILED : RIVET_TASK_TIMEOUT;
      out.text = "Task for " + agent.id() +
                 (cancelled ? " cancelled while it waited for a place"
                            : " timed out after " + std::to_string(request.timeoutMs) +
                                  "ms waiting for a place") +
                 " (policy.agents." + agent.id() + ".max_concurrent)";
      return out;
    }
    waited = request;
    waited.timeoutMs = std::max<int64_t>(1, request.timeoutMs - msSince(from));
    use = &waited;
  }
  TaskRequest& r = *use;
  auto task = contextFor(agent, r);
  if (agent.isInline()) { // quick and non-blocking: no thread hop
    plugin::LiveTasks::Scope live(*live_, task);
    plugin::TaskOutput o = agent.handle(*task, r.task, r.model);
    out.status = o.status;
    out.text = std::move(o.text);
    return out;
  }
  auto pending = std::make_shared<Pending>();
  {
    std::lock_guard<std::mutex> lock(pendingMutex_);
    running_.erase(
        std::remove_if(running_.begin(), running_.end(), [](const auto& w) { return w.expired(); }),
        running_.end());
    running_.push_back(task);
  }
  auto shared = agents_.find(agent.id()); // keeps the agent alive while a worker runs it
  bool started = workers_.trySubmit(
      [live = live_, pending, shared, task, message = r.task, model = r.model, slot = r.slot] {
        plugin::TaskOutput o;
        {
          log::TaskScope tags(task->taskId, task->traceId); // the agent's own lines too
          plugin::LiveTasks::Scope scope(*live, task);
          o = shared->handle(*task, message, model);
        }
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
  const auto deadline = Clock::now() + std::chrono::milliseconds(r.timeoutMs);
  while (!pending->finished) {
    if (r.parent && r.parent->cancelled()) {
      task->cancel(); // reached it already through adopt(); the waiting ends here
      out.status = RIVET_TASK_FAILED;
      out.text = "Delegation to " + agent.id() + " cancelled: the task of " + r.parent->agentId +
                 " that asked for it was cancelled";
      return out;
    }
    if (task->cancelled()) { // shutdown: the caller is answered even if the agent goes on
      out.status = RIVET_TASK_FAILED;
      out.text = "Task of " + agent.id() + " cancelled: the node is shutting down";
      return out;
    }
    if (Clock::now() >= deadline) {
      task->cancel(); // the agent may poll it; its worker stays busy until it returns
      out.status = RIVET_TASK_TIMEOUT;
      out.text =
          "Delegation to " + agent.id() + " timed out after " + std::to_string(r.timeoutMs) + "ms";
      return out;
    }
    pending->done.wait_until(lock, std::min(deadline, Clock::now() + kWaitSlice));
  }
  out.status = pending->output.status;
  out.text = std::move(pending->output.text);
  return out;
}

RemoteResult DelegationEngine::callNode(const RemoteNode& node, const TaskRequest& r,
                                        int64_t graceMs) {
  // A task of ours goes to a node with the task API as a task there, so that its cancellation
  // and progress flow through; anything else as RivetOS sends it.
  const std::string key = node.tasks && r.parent ? util::randomHex128("an idempotency key") : "";
  auto once = [&](const std::string& address) {
    if (node.tasks && r.parent) {
      RemoteResult t = runRemoteTask(caller_, node, address, r, graceMs, key, *logger_);
      if (!t.noTaskApi)
        return t;
      logger_->info("{}: its registry record lists the task API, but it has none; sending the "
                    "task to /api/message",
                    t.text);
    }
    return callRemote(caller_, node, address, r, graceMs);
  };
  RemoteResult result = once(node.host);
  if (!tryByName(node, result))
    return result;
  logger_->info("{}; trying {}.mesh", result.text, node.name);
  return secondAddress(result, once(node.name + ".mesh"));
}

PeerAnswer DelegationEngine::askNode(const std::string& node, const std::string& agent,
                                     std::string_view method, const std::string& path,
                                     int64_t timeoutMs) {
  std::vector<RemoteNode> nodes =
      directory_ ? directory_->candidates(agent) : std::vector<RemoteNode>{};
  auto it = std::find_if(nodes.begin(), nodes.end(), [&](const auto& n) { return n.name == node; });
  if (it == nodes.end()) {
    PeerAnswer a;
    a.net = RIVET_NET_NOT_DELIVERED;
    a.error = "node " + node + " is not online in the registry with agent " + agent;
    return a;
  }
  TaskRequest none;
  PeerAnswer a = exchange(caller_, *it, it->host, method, path, {}, timeoutMs, none);
  if (a.net == RIVET_NET_NOT_DELIVERED && it->host != node + ".mesh")
    a = exchange(caller_, *it, node + ".mesh", method, path, {}, timeoutMs, none);
  return a;
}

} // namespace rivet::delegation
