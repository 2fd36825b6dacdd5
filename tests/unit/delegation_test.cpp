// The worker pool's refusal when full, the circuit breaker's states, and the engine's local
// routing (inline, worker pool, deadline, busy, chain depth, unknown agent).
#include "delegation/CircuitBreaker.hpp"
#include "delegation/DelegationEngine.hpp"
#include "delegation/WorkerPool.hpp"

#include <atomic>
#include <chrono>
#include <future>
#include <gtest/gtest.h>
#include <thread>

using namespace rivet::delegation;
using namespace std::chrono_literals;

TEST(WorkerPool, RefusesAtOnceWhenEveryWorkerIsBusy) {
  WorkerPool pool(2);
  std::promise<void> release;
  auto gate = release.get_future().share();
  std::atomic<int> ran{0};
  auto task = [gate, &ran] {
    gate.wait();
    ++ran;
  };
  EXPECT_TRUE(pool.trySubmit(task));
  EXPECT_TRUE(pool.trySubmit(task));
  auto before = std::chrono::steady_clock::now();
  EXPECT_FALSE(pool.trySubmit(task));
  EXPECT_LT(std::chrono::steady_clock::now() - before, 50ms);
  EXPECT_EQ(pool.busy(), 2);
  release.set_value();
  for (int i = 0; i < 200 && pool.busy() > 0; ++i)
    std::this_thread::sleep_for(5ms);
  EXPECT_EQ(ran, 2);
  EXPECT_TRUE(pool.trySubmit([] {})) << "a finished worker takes new work";
}

TEST(WorkerPool, ReusesIdleWorkersForManyTasks) {
  WorkerPool pool(1);
  std::atomic<int> ran{0};
  for (int i = 0; i < 100; ++i) {
    while (!pool.trySubmit([&ran] { ++ran; }))
      std::this_thread::sleep_for(1ms);
  }
  for (int i = 0; i < 200 && ran < 100; ++i)
    std::this_thread::sleep_for(5ms);
  EXPECT_EQ(ran, 100);
}

TEST(WorkerPool, DrainEndsIdleWorkersAtOnceAndRefusesNewWork) {
  WorkerPool pool(4);
  std::atomic<int> ran{0};
  for (int i = 0; i < 4; ++i)
    ASSERT_TRUE(pool.trySubmit([&ran] { ++ran; }));
  for (int i = 0; i < 200 && (ran < 4 || pool.busy() > 0); ++i)
    std::this_thread::sleep_for(5ms);
  ASSERT_EQ(pool.busy(), 0); // every worker waits on its own lock now
  auto before = std::chrono::steady_clock::now();
  EXPECT_TRUE(pool.drain(2s)) << "an idle worker was not woken to end";
  EXPECT_LT(std::chrono::steady_clock::now() - before, 1s);
  EXPECT_FALSE(pool.trySubmit([] {}));
  EXPECT_EQ(pool.queued(), 0);
}

TEST(WorkerPool, ATaskHandedToAnIdleWorkerRunsEvenWhenDrainFollowsAtOnce) {
  WorkerPool pool(1);
  ASSERT_TRUE(pool.trySubmit([] {}));
  for (int i = 0; i < 200 && pool.busy() > 0; ++i)
    std::this_thread::sleep_for(5ms);
  std::atomic<bool> ran{false};
  ASSERT_TRUE(pool.trySubmit([&ran] {
    std::this_thread::sleep_for(20ms);
    ran = true;
  }));
  EXPECT_TRUE(pool.drain(2s));
  EXPECT_TRUE(ran) << "drain ended a worker that had been handed a task";
}

TEST(CircuitBreaker, OpensAfterRepeatedFailuresAndHalfOpensAfterTheCoolDown) {
  CircuitBreaker breaker(3, 100ms);
  EXPECT_TRUE(breaker.allow("node-b"));
  breaker.recordFailure("node-b", "refused");
  breaker.recordFailure("node-b", "refused");
  EXPECT_TRUE(breaker.allow("node-b")) << "two failures keep it closed";
  breaker.recordFailure("node-b", "refused");
  EXPECT_FALSE(breaker.allow("node-b")) << "three failures open it";
  EXPECT_TRUE(breaker.allow("node-c")) << "other peers are unaffected";
  std::this_thread::sleep_for(120ms);
  EXPECT_TRUE(breaker.allow("node-b")) << "one trial after the cool-down";
  EXPECT_FALSE(breaker.allow("node-b")) << "only one trial at a time";
  breaker.recordFailure("node-b", "refused");
  EXPECT_FALSE(breaker.allow("node-b")) << "a failed trial opens it again";
  std::this_thread::sleep_for(120ms);
  EXPECT_TRUE(breaker.allow("node-b"));
  breaker.recordSuccess("node-b");
  EXPECT_TRUE(breaker.allow("node-b"));
  EXPECT_TRUE(breaker.allow("node-b")) << "a successful trial closes it";
}

namespace {

RemoteNode remote(std::string name, std::string host, int port, int64_t lastSeen) {
  RemoteNode n;
  n.name = std::move(name);
  n.host = std::move(host);
  n.port = port;
  n.lastSeen = lastSeen;
  return n;
}

class FakeDirectory : public MeshDirectory {
public:
  std::vector<RemoteNode> online;
  std::vector<std::string> offline;
  std::vector<RemoteNode> candidates(const std::string&) override { return online; }
  std::vector<std::string> unavailableHosts(const std::string&) override { return offline; }
  std::vector<std::string> remoteAgents() override { return {"opus"}; }
};

rivet_net_result unreachable(const rivet_peer_request&, rivet_peer_response& resp) {
  static const std::string why = "connection refused";
  resp.error.write(resp.error.ctx, why.data(), why.size());
  return RIVET_NET_NOT_DELIVERED;
}

} // namespace

TEST(DelegationEngine, WithoutAgentsAnswers503) {
  rivet::plugin::AgentSet none;
  DelegationEngine engine({"n", 3, 4, 5000}, none, nullptr, &unreachable);
  auto out = engine.handleInbound({"a", "task", "", "", 0, 1000});
  EXPECT_EQ(out.httpStatus, 503);
  EXPECT_EQ(out.text, "No agents available on this node");
}

TEST(DelegationEngine, UnknownAgentIs404ListingWhatCanBeReached) {
  rivet::plugin::AgentSet none;
  FakeDirectory dir;
  DelegationEngine engine({"n", 3, 4, 5000}, none, &dir, &unreachable);
  auto out = engine.handleInbound({"a", "task", "ghost", "", 0, 1000});
  EXPECT_EQ(out.httpStatus, 404);
  EXPECT_EQ(out.text,
            "Agent \"ghost\" not found locally or in the mesh. Agents you can delegate to: opus");
  auto fromAgent = engine.delegate({"a", "task", "ghost", "", 1, 1000});
  EXPECT_EQ(fromAgent.httpStatus, 0) << "an agent gets a failed result, not an HTTP error";
  EXPECT_EQ(fromAgent.status, RIVET_TASK_FAILED);
}

TEST(DelegationEngine, AgentOnlyOnOfflineNodesIs503NamingThem) {
  rivet::plugin::AgentSet none;
  FakeDirectory dir;
  dir.offline = {"node-b", "node-c"};
  DelegationEngine engine({"n", 3, 4, 5000}, none, &dir, &unreachable);
  auto out = engine.handleInbound({"a", "task", "opus", "", 0, 1000});
  EXPECT_EQ(out.httpStatus, 503);
  EXPECT_EQ(out.text, "Agent \"opus\" is hosted only on nodes that are offline: node-b, node-c");
}

TEST(DelegationEngine, FailsOverWhileNotDeliveredThenReportsEveryNodeFailed) {
  rivet::plugin::AgentSet none;
  FakeDirectory dir;
  dir.online = {remote("node-b", "127.0.0.1", 1, 2), remote("node-c", "127.0.0.1", 2, 1)};
  std::vector<std::string> tried;
  DelegationEngine engine({"n", 3, 4, 5000}, none, &dir,
                          [&](const rivet_peer_request& req, rivet_peer_response& resp) {
                            tried.emplace_back(req.verify_name.data, req.verify_name.len);
                            return unreachable(req, resp);
                          });
  auto out = engine.handleInbound({"a", "task", "opus", "", 0, 1000});
  EXPECT_EQ(out.status, RIVET_TASK_FAILED);
  // Each node at its registry host, then at <name>.mesh, before the next node.
  EXPECT_EQ(tried,
            (std::vector<std::string>{"node-b.mesh", "node-b.mesh", "node-c.mesh", "node-c.mesh"}));
  EXPECT_NE(out.text.find("failed on every node that hosts it"), std::string::npos) << out.text;
}

TEST(DelegationEngine, NeverResendsADeliveredTask) {
  rivet::plugin::AgentSet none;
  FakeDirectory dir;
  dir.online = {remote("node-b", "127.0.0.1", 1, 2), remote("node-c", "127.0.0.1", 2, 1)};
  int calls = 0;
  DelegationEngine engine({"n", 3, 4, 5000}, none, &dir,
                          [&](const rivet_peer_request&, rivet_peer_response& resp) {
                            ++calls;
                            static const std::string why = "connection reset after sending";
                            resp.error.write(resp.error.ctx, why.data(), why.size());
                            return RIVET_NET_DELIVERED_FAILED;
                          });
  auto out = engine.handleInbound({"a", "task", "opus", "", 0, 1000});
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(out.status, RIVET_TASK_FAILED);
}

// Forwarding a request to the node that hosts its agent is not a delegation: the depth as received
// goes on the wire.
TEST(DelegationEngine, RemoteAnswerCarriesItsStatusAndTheRivetOsBody) {
  rivet::plugin::AgentSet none;
  FakeDirectory dir;
  dir.online = {remote("node-b", "10.0.0.2", 3000, 2)};
  std::string sentBody;
  DelegationEngine engine(
      {"n", 3, 4, 5000}, none, &dir, [&](const rivet_peer_request& req, rivet_peer_response& resp) {
        sentBody.assign(req.body.data, req.body.len);
        EXPECT_EQ(req.timeout_ms, 1000 + 5000);
        static const std::string ok =
            R"({"response":"done","agent":"opus","durationMs":3,"status":"completed"})";
        resp.status = 200;
        resp.body.write(resp.body.ctx, ok.data(), ok.size());
        return RIVET_NET_OK;
      });
  auto out = engine.handleInbound({"grok", "review", "opus", "m1", 1, 1000});
  EXPECT_EQ(out.status, RIVET_TASK_COMPLETED);
  EXPECT_EQ(out.text, "done");
  EXPECT_EQ(sentBody, R"({"fromAgent":"grok","message":"[Mesh delegation] review",)"
                      R"("waitForResponse":true,"chainDepth":1,"timeoutMs":1000,"model":"m1",)"
                      R"("toAgent":"opus"})");
}

TEST(DelegationEngine, TaskAnAgentDelegatesCountsItsHopOnce) {
  rivet::plugin::AgentSet none;
  FakeDirectory dir;
  dir.online = {remote("node-b", "10.0.0.2", 3000, 2)};
  std::string sentBody;
  DelegationEngine engine({"n", 3, 4, 5000}, none, &dir,
                          [&](const rivet_peer_request& req, rivet_peer_response& resp) {
                            sentBody.assign(req.body.data, req.body.len);
                            static const std::string ok = R"({"response":"done"})";
                            resp.status = 200;
                            resp.body.write(resp.body.ctx, ok.data(), ok.size());
                            return RIVET_NET_OK;
                          });
  // An agent running at depth 0 delegates: the new task has depth 1 (Node::delegate adds it),
  // and that is what the receiver sees, as RivetOS senders send depth + 1.
  auto out = engine.delegate({"opus", "sub-task", "opus", "", 1, 1000});
  EXPECT_EQ(out.status, RIVET_TASK_COMPLETED);
  EXPECT_NE(sentBody.find(R"("chainDepth":1,)"), std::string::npos) << sentBody;
}

TEST(DelegationEngine, UnreachableHostIsTriedAgainAsNameDotMeshBeforeTheNextNode) {
  rivet::plugin::AgentSet none;
  FakeDirectory dir;
  dir.online = {remote("node-b", "ct201", 3000, 2), remote("node-c", "127.0.0.1", 3000, 1)};
  std::vector<std::string> hosts;
  DelegationEngine engine({"n", 3, 4, 5000}, none, &dir,
                          [&](const rivet_peer_request& req, rivet_peer_response& resp) {
                            hosts.emplace_back(req.host.data, req.host.len);
                            if (hosts.back() == "ct201")
                              return unreachable(req, resp);
                            static const std::string ok = R"({"response":"done"})";
                            resp.status = 200;
                            resp.body.write(resp.body.ctx, ok.data(), ok.size());
                            return RIVET_NET_OK;
                          });
  auto out = engine.handleInbound({"a", "task", "opus", "", 0, 1000});
  EXPECT_EQ(out.status, RIVET_TASK_COMPLETED) << out.text;
  EXPECT_EQ(hosts, (std::vector<std::string>{"ct201", "node-b.mesh"}));
}

TEST(DelegationEngine, AnswerFromAnotherAgentIsReportedAsThatAgentWithTheOneAskedFor) {
  rivet::plugin::AgentSet none;
  FakeDirectory dir;
  dir.online = {remote("node-b", "10.0.0.2", 3000, 2)};
  DelegationEngine engine(
      {"n", 3, 4, 5000}, none, &dir, [&](const rivet_peer_request&, rivet_peer_response& resp) {
        // A RivetOS receiver runs its first agent and says so.
        static const std::string ok = R"({"response":"from opus","agent":"opus","durationMs":5})";
        resp.status = 200;
        resp.body.write(resp.body.ctx, ok.data(), ok.size());
        return RIVET_NET_OK;
      });
  auto out = engine.handleInbound({"grok", "review", "sonnet", "", 0, 1000});
  EXPECT_EQ(out.status, RIVET_TASK_COMPLETED);
  EXPECT_EQ(out.agent, "opus");
  EXPECT_EQ(out.requestedAgent, "sonnet");
}
