// Static discovery across real rivetd processes that share no storage (docs/protocol.md §6,
// docs/configuration.md): each node learns the peers listed in mesh.peers only after reaching them
// over mTLS under their name.
#include "DiscoveryNode.hpp"

#include <gtest/gtest.h>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <memory>
#include <set>
#include <sstream>
#include <thread>

using namespace rivet::test;
using namespace std::chrono_literals;

namespace {

// `mesh.discovery.mode: static` listing `peers` (name and port; every host is 127.0.0.1).
std::string staticPeers(const std::vector<std::pair<std::string, int>>& peers) {
  std::string yaml = "  discovery:\n    mode: static\n  peers:\n";
  for (const auto& [name, port] : peers)
    yaml += "    - {name: " + name + ", host: 127.0.0.1, port: " + std::to_string(port) + "}\n";
  return yaml;
}

class DiscoveryStatic : public ::testing::Test {
protected:
  static void SetUpTestSuite() {
    pki_ = std::make_unique<TestPki>();
    for (const char* name : {"node-a", "node-b", "node-c"})
      pki_->issueNode(name);
  }
  static void TearDownTestSuite() { pki_.reset(); }

  // node-a (alpha), node-b (beta), node-c (gamma), each listing the other two; none started.
  void makeThreeNodes() {
    const std::vector<int> ports = distinctFreePorts(3);
    const std::vector<std::pair<std::string, int>> all = {
        {"node-a", ports[0]}, {"node-b", ports[1]}, {"node-c", ports[2]}};
    const char* agents[] = {"alpha", "beta", "gamma"};
    for (size_t i = 0; i < 3; ++i) {
      std::vector<std::pair<std::string, int>> others;
      for (size_t j = 0; j < 3; ++j)
        if (j != i)
          others.push_back(all[j]);
      nodes_.push_back(std::make_unique<DiscoveryNode>(*pki_, all[i].first, agents[i],
                                                       all[i].second, staticPeers(others)));
    }
  }
  DiscoveryNode& a() { return *nodes_.at(0); }
  DiscoveryNode& b() { return *nodes_.at(1); }
  DiscoveryNode& c() { return *nodes_.at(2); }

  // Every node sends a task to every other node's agent and gets it completed.
  void expectEveryNodeDelegatesToEveryOther() {
    for (const auto& from : nodes_)
      for (const auto& to : nodes_) {
        if (from == to)
          continue;
        const std::string task = "from " + from->name() + " to " + to->agent();
        RunResult r = from->send(to->agent(), task);
        EXPECT_EQ(r.exitCode, 0) << task << ": " << r.err;
        EXPECT_TRUE(contains(r.out, task)) << task << ": " << r.out;
      }
  }

  static std::unique_ptr<TestPki> pki_;
  std::vector<std::unique_ptr<DiscoveryNode>> nodes_;
};

std::unique_ptr<TestPki> DiscoveryStatic::pki_;

TEST_F(DiscoveryStatic, ListedPeersLearnEachOthersAgentsAndDelegateWithoutSharedStorage) {
  makeThreeNodes();
  ASSERT_TRUE(a().start()) << a().output();
  ASSERT_TRUE(b().start()) << b().output();
  ASSERT_TRUE(eventually([&] { return a().seesOnline(b()) && b().seesOnline(a()); }, kConverge))
      << a().output() << b().output();

  // node-c is listed but down: it is tried, not trusted, and nothing can be delegated to it.
  std::this_thread::sleep_for(2s);
  for (DiscoveryNode* n : {&a(), &b()}) {
    EXPECT_TRUE(
        loggedAll(n->output(), "WARN",
                  {"Peer node-c at 127.0.0.1:" + std::to_string(c().port()) + " not verified",
                   "it is not used for delegation until it proves its name"}))
        << n->output();
    EXPECT_EQ(n->statusOf("node-c"), "") << n->name() << " lists node-c before it ever answered";
    EXPECT_NE(n->send("gamma", "too early").exitCode, 0);
  }

  ASSERT_TRUE(c().start()) << c().output();
  ASSERT_TRUE(eventually(
      [&] {
        return a().seesOnline(c()) && b().seesOnline(c()) && c().seesOnline(a()) &&
               c().seesOnline(b());
      },
      kConverge))
      << a().output() << b().output() << c().output();
  for (DiscoveryNode* n : {&a(), &b()})
    EXPECT_TRUE(loggedAll(
        n->output(), "INFO",
        {"Peer verified: node-c at 127.0.0.1:" + std::to_string(c().port()), "(agents: gamma)"}))
        << n->output();
  // The record written for a verified peer says what its ping says it speaks: the task API.
  JsonObject recorded = a().entry("node-c");
  ASSERT_TRUE(recorded && recorded->getObject("metadata"));
  auto features = recorded->getObject("metadata")->getArray("features");
  ASSERT_TRUE(features && features->size() == 1);
  EXPECT_EQ(features->getElement<std::string>(0), "tasks");

  expectEveryNodeDelegatesToEveryOther();
}

TEST_F(DiscoveryStatic, StoppedPeerGoesOfflineOnTheOthersAndIsOnlineAgainWhenRestarted) {
  makeThreeNodes();
  for (DiscoveryNode* n : {&a(), &b(), &c()})
    ASSERT_TRUE(n->start()) << n->output();
  ASSERT_TRUE(eventually([&] { return a().seesOnline(b()) && c().seesOnline(b()); }, kConverge))
      << a().output() << c().output();

  b().stop();
  ASSERT_TRUE(eventually(
      [&] { return a().statusOf("node-b") == "offline" && c().statusOf("node-b") == "offline"; },
      kConverge))
      << a().output() << c().output();
  for (DiscoveryNode* n : {&a(), &c()}) {
    EXPECT_TRUE(loggedAll(n->output(), "WARN", {"Node stale: node-b"})) << n->output();
    EXPECT_NE(n->send("beta", "while node-b is down").exitCode, 0);
  }

  const int64_t restartedAt = epochMs();
  ASSERT_TRUE(b().start()) << b().output();
  ASSERT_TRUE(eventually(
      [&] { return a().seesOnline(b(), restartedAt) && c().seesOnline(b(), restartedAt); },
      kConverge))
      << a().output() << c().output();
  for (DiscoveryNode* n : {&a(), &c()}) {
    RunResult r = n->send("beta", "after the restart");
    EXPECT_EQ(r.exitCode, 0) << n->name() << ": " << r.err;
    EXPECT_TRUE(contains(r.out, "after the restart")) << r.out;
  }
}

TEST_F(DiscoveryStatic, PeerWhoseCertificateDoesNotCarryTheListedNameIsNeverVerified) {
  // node-a lists node-x at node-b's address; the node there proves only the name node-b.
  const std::vector<int> ports = distinctFreePorts(2);
  DiscoveryNode b(*pki_, "node-b", "beta", ports[1], "");
  DiscoveryNode a(*pki_, "node-a", "alpha", ports[0], staticPeers({{"node-x", b.port()}}));
  ASSERT_TRUE(b.start()) << b.output();
  ASSERT_TRUE(a.start()) << a.output();

  ASSERT_TRUE(eventually(
      [&] {
        return loggedAll(a.output(), "WARN",
                         {"Peer node-x at 127.0.0.1:" + std::to_string(b.port()) + " not verified",
                          "name mismatch"});
      },
      kConverge))
      << a.output();
  std::this_thread::sleep_for(1s); // several more attempts, none of which may succeed
  EXPECT_FALSE(contains(a.output(), "Peer verified: node-x")) << a.output();
  EXPECT_EQ(a.statusOf("node-x"), "");
  EXPECT_EQ(a.statusOf("node-b"), "");

  RunResult r = a.send("beta", "to the impostor");
  EXPECT_NE(r.exitCode, 0) << r.out;
  EXPECT_TRUE(contains(r.err, "Agent \"beta\" not found locally or in the mesh")) << r.err;
}

} // namespace
