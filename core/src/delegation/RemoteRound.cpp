// A task for a remote agent, tried on the nodes that host it in turn (docs/protocol.md §6):
// skipped while a node's policy refused this asker or its circuit is open; failing over only
// while nothing was delivered. Blocking on a worker (runRemote) or on the transport's I/O loop
// (runRemoteAsync, ABI 1.6); both decide alike through the steps below.
#include "delegation/DelegationEngine.hpp"
#include "delegation/RemoteCall.hpp"
#include "log/Log.hpp"
#include "log/TaskText.hpp"

#include <openssl/crypto.h>

#include <thread>
#include <utility>

namespace rivet::delegation {
namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kWaitSlice = std::chrono::milliseconds(50); // how often a parent's cancel is seen

} // namespace

// A remote call on its own thread, so that the delegating task can stop waiting for it.
struct DelegationEngine::RemoteAttempt {
  std::mutex mutex;
  std::condition_variable done;
  bool finished = false;
  RemoteResult result;
};

void DelegationEngine::callRemoteFor(const RemoteNode& node, const TaskRequest& r,
                                     RemoteAttempt& attempt) {
  // The wait for the answer never outlasts the delegating task.
  int64_t grace = settings_.remoteGraceMs;
  if (r.parent)
    grace = std::clamp<int64_t>(r.parent->remainingMs() - r.timeoutMs, 0, grace);
  RemoteResult result = callNode(node, r, grace);
  std::lock_guard<std::mutex> lock(attempt.mutex);
  attempt.result = std::move(result);
  attempt.finished = true;
  attempt.done.notify_all();
}

// What a round of nodes has found so far.
struct DelegationEngine::Round {
  Outcome out;
  std::string lastReason = "no candidate was tried";
  size_t policyRefusals = 0; // nodes that refused the caller by their policy
  Clock::time_point tried;   // when the current node was tried
};

void DelegationEngine::countAttempt(const RemoteNode& node, const TaskRequest& r,
                                    const Round& round, metrics::DelegationResult result) {
  if (metrics_)
    metrics_->delegation(node.name, r.toAgent, result,
                         std::chrono::duration<double>(Clock::now() - round.tried).count());
}

bool DelegationEngine::mayTry(const RemoteNode& node, const TaskRequest& r, Round& round) {
  round.tried = Clock::now();
  const std::string askerKey = r.fromAgent + "@" + r.fromNode; // whole, as the roster's
  if (refusedBefore(node.name, r.toAgent, askerKey, node.policyRevision)) {
    round.lastReason = node.name + " skipped: it refused " +
                       policy::Caller{r.fromNode, r.fromAgent}.text() +
                       " by its policy, and its policy has not changed since";
    ++round.policyRefusals;
    return false;
  }
  if (!breaker_.allow(node.name)) {
    round.lastReason = node.name + " skipped: its circuit is open after repeated failures";
    countAttempt(node, r, round, metrics::DelegationResult::CircuitOpen);
    return false;
  }
  logger_->info("Delegating to {} remotely via {} ({}:{})", r.toAgent, node.name, node.host,
                node.port);
  return true;
}

bool DelegationEngine::settle(const RemoteNode& node, const TaskRequest& r, RemoteResult result,
                              Round& round) {
  if (result.reachedAgent || !result.mayFailOver)
    countAttempt(node, r, round, metrics::delegationResultOf(result.status));
  else
    countAttempt(node, r, round, metrics::DelegationResult::NotDelivered);
  Outcome& out = round.out;
  if (result.reachedAgent) {
    breaker_.recordSuccess(node.name);
    out.status = result.status;
    out.text = std::move(result.text);
    if (!result.answeredBy.empty() && result.answeredBy != r.toAgent) {
      logger_->warn("{} on {} answered instead of {}: that node runs its first agent whatever "
                    "toAgent says (a RivetOS node)",
                    result.answeredBy, node.name, r.toAgent);
      out.requestedAgent = r.toAgent;
      out.agent = result.answeredBy;
    }
    return true;
  }
  if (!result.mayFailOver) { // delivered: an LLM task is never sent twice
    // The text may be the agent's answer: the breaker's line carries an excerpt only.
    breaker_.recordFailure(node.name, log::excerpt(result.text));
    out.status = result.status;
    out.text = std::move(result.text);
    return true;
  }
  if (result.policyRefused) {
    rememberRefusal(node, r.toAgent, r.fromAgent + "@" + r.fromNode);
    ++round.policyRefusals;
  } else if (!result.admissionRefused) { // a full agent or a rate limit is no node failure
    breaker_.recordFailure(node.name, result.text);
  }
  logger_->warn("{}; trying the next node", result.text);
  round.lastReason = result.text;
  return false;
}

Outcome DelegationEngine::exhausted(const std::vector<RemoteNode>& nodes, const TaskRequest& r,
                                    Round& round) {
  Outcome& out = round.out;
  if (round.policyRefusals == nodes.size()) {
    out.status = RIVET_TASK_REJECTED;
    out.policyRefused = true;
    out.text = nodes.size() == 1 ? round.lastReason
                                 : "Every node that hosts " + r.toAgent +
                                       " refused the caller by its policy: " + round.lastReason;
    return std::move(out);
  }
  out.status = RIVET_TASK_FAILED;
  out.text = "Remote delegation to " + r.toAgent +
             " failed on every node that hosts it: " + round.lastReason;
  return std::move(out);
}

Outcome DelegationEngine::runRemote(const std::vector<RemoteNode>& nodes, const TaskRequest& r) {
  Round round;
  for (const auto& node : nodes) {
    if (!mayTry(node, r, round))
      continue;
    RemoteResult result;
    if (!r.parent) {
      result = callNode(node, r, settings_.remoteGraceMs);
    } else { // on its own thread, so that a cancelled parent stops waiting at once
      auto attempt = std::make_shared<RemoteAttempt>();
      {
        std::lock_guard<std::mutex> lock(pendingMutex_);
        ++remoteInFlight_;
      }
      std::thread([this, attempt, node, r] {
        {
          log::TaskScope tags(r.parent->taskId, r.traceId);
          callRemoteFor(node, r, *attempt);
        }
        OPENSSL_thread_stop(); // as WorkerPool::run: before the engine stops counting it
        std::lock_guard<std::mutex> lock(pendingMutex_);
        --remoteInFlight_;
        remoteDone_.notify_all();
      }).detach();
      std::unique_lock<std::mutex> lock(attempt->mutex);
      while (!attempt->finished && !r.parent->cancelled())
        attempt->done.wait_for(lock, kWaitSlice);
      if (!attempt->finished) {
        countAttempt(node, r, round, metrics::DelegationResult::Abandoned);
        Outcome out;
        out.status = RIVET_TASK_FAILED;
        out.text = "Delegation to " + r.toAgent + " on " + node.name + " abandoned: the task of " +
                   r.parent->agentId + " that asked for it was cancelled";
        return out;
      }
      result = std::move(attempt->result);
    }
    if (settle(node, r, std::move(result), round))
      return std::move(round.out);
  }
  return exhausted(nodes, r, round);
}

// The round on the loop: each answer arrives on a transport thread and starts the next try.
struct DelegationEngine::AsyncRound {
  std::vector<RemoteNode> nodes;
  TaskRequest request;
  std::function<void(Outcome)> done;
  Round round;
  size_t next = 0;
};

void DelegationEngine::runRemoteAsync(std::vector<RemoteNode> nodes, TaskRequest r,
                                      std::function<void(Outcome)> done) {
  auto a = std::make_shared<AsyncRound>();
  a->nodes = std::move(nodes);
  a->request = std::move(r);
  a->done = [done = std::move(done), called = false](Outcome out) mutable {
    if (!std::exchange(called, true))
      done(std::move(out));
  };
  tryNext(std::move(a));
}

void DelegationEngine::tryNext(std::shared_ptr<AsyncRound> a) {
  while (a->next < a->nodes.size()) {
    const RemoteNode& node = a->nodes[a->next++];
    if (!mayTry(node, a->request, a->round))
      continue;
    auto settled = [this, a, &node](RemoteResult result) {
      log::TaskScope tags("", a->request.traceId);
      try {
        if (settle(node, a->request, std::move(result), a->round))
          return a->done(std::move(a->round.out));
        tryNext(a);
      } catch (const std::exception& e) { // the caller is answered whatever happens here
        logger_->error("Remote delegation to {} failed: {}", a->request.toAgent, e.what());
        Outcome failed; // (a->done runs once: not again if it was the one that threw)
        failed.text = "Remote delegation to " + a->request.toAgent + " failed: internal error";
        a->done(std::move(failed));
      }
    };
    const int64_t grace = settings_.remoteGraceMs;
    callRemoteAsync(asyncCaller_, node, node.host, a->request, grace,
                    [this, a, &node, grace, settled](RemoteResult first) {
                      if (!tryByName(node, first))
                        return settled(std::move(first));
                      logger_->info("{}; trying {}.mesh", first.text, node.name);
                      callRemoteAsync(asyncCaller_, node, node.name + ".mesh", a->request, grace,
                                      [first, settled](RemoteResult second) {
                                        settled(secondAddress(first, std::move(second)));
                                      });
                    });
    return;
  }
  a->done(exhausted(a->nodes, a->request, a->round));
}

} // namespace rivet::delegation
