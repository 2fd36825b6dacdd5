// Seed discovery across real rivetd processes that share no storage (docs/protocol.md §6,
// docs/configuration.md): joiners learn the mesh from the seed's /api/mesh, verify each peer before
// trusting it, and join the seed.
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

class DiscoverySeed : public ::testing::Test {
protected:
  static void SetUpTestSuite() {
    pki_ = std::make_unique<TestPki>();
    rivet::ca::IssueOptions seedAddress;
    seedAddress.ips = {"127.0.0.1"}; // the seed is verified against seed_host itself
    pki_->issueNode("node-a", seedAddress);
    pki_->issueNode("node-b");
    pki_->issueNode("node-c");
  }
  static void TearDownTestSuite() { pki_.reset(); }

  // node-a is the seed (no discovery section, agent alpha); node-b (beta) and node-c (gamma)
  // sync from it. None is started.
  void SetUp() override {
    const std::vector<int> ports = distinctFreePorts(3);
    seedPort_ = ports[0];
    const std::string joiner = "  discovery:\n    mode: seed\n    seed_host: 127.0.0.1\n"
                               "    seed_port: " +
                               std::to_string(seedPort_) + "\n";
    nodes_.push_back(std::make_unique<DiscoveryNode>(*pki_, "node-a", "alpha", ports[0], ""));
    nodes_.push_back(std::make_unique<DiscoveryNode>(*pki_, "node-b", "beta", ports[1], joiner));
    nodes_.push_back(std::make_unique<DiscoveryNode>(*pki_, "node-c", "gamma", ports[2], joiner));
  }

  DiscoveryNode& a() { return *nodes_.at(0); }
  DiscoveryNode& b() { return *nodes_.at(1); }
  DiscoveryNode& c() { return *nodes_.at(2); }
  // The seed's address as the plugin's log lines show it.
  std::string seed() const { return "127.0.0.1:" + std::to_string(seedPort_); }

  // Every node sees the other two online with their agents, refreshed at or after `sinceMs`.
  bool allKnowEachOther(int64_t sinceMs = 0) {
    for (const auto& n : nodes_)
      for (const auto& other : nodes_)
        if (n != other && !n->seesOnline(*other, sinceMs))
          return false;
    return true;
  }

  void startAllAndWaitUntilTheyKnowEachOther() {
    ASSERT_TRUE(a().start()) << a().output();
    ASSERT_TRUE(b().start()) << b().output();
    ASSERT_TRUE(c().start()) << c().output();
    ASSERT_TRUE(eventually([&] { return allKnowEachOther(); }, kConverge)) << outputs();
  }

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

  // Every node's log, for failure messages.
  std::string outputs() const {
    std::string all;
    for (const auto& n : nodes_)
      all += "--- " + n->name() + "\n" + n->output();
    return all;
  }

  static std::unique_ptr<TestPki> pki_;
  int seedPort_ = 0;
  std::vector<std::unique_ptr<DiscoveryNode>> nodes_;
};

std::unique_ptr<TestPki> DiscoverySeed::pki_;

TEST_F(DiscoverySeed, JoinersStartedBeforeTheSeedServeTheirOwnAgentsAndJoinOnceItIsUp) {
  ASSERT_TRUE(b().start()) << b().output();
  ASSERT_TRUE(c().start()) << c().output();
  for (DiscoveryNode* n : {&b(), &c()}) {
    EXPECT_TRUE(eventually(
        [&] { return loggedAll(n->output(), "WARN", {"Seed sync failed (" + seed() + ")"}); }, 5s))
        << n->output();
    RunResult r = n->send(n->agent(), "while the seed is down");
    EXPECT_EQ(r.exitCode, 0) << n->name() << ": " << r.err;
  }
  // Without the seed the joiners have no way to meet.
  EXPECT_EQ(b().statusOf("node-c"), "");
  EXPECT_EQ(c().statusOf("node-b"), "");

  ASSERT_TRUE(a().start()) << a().output();
  ASSERT_TRUE(eventually([&] { return allKnowEachOther(); }, kConverge)) << outputs();
  for (DiscoveryNode* n : {&b(), &c()}) {
    EXPECT_TRUE(loggedAll(n->output(), "INFO", {"Joined seed " + seed() + " as " + n->name()}))
        << n->output();
    EXPECT_TRUE(loggedAll(a().output(), "INFO", {"Mesh join: " + n->name()})) << a().output();
  }
  // node-b met node-c only through the seed, and trusted it only after it proved its name.
  EXPECT_TRUE(loggedAll(b().output(), "INFO", {"Peer verified: node-c", "(agents: gamma)"}))
      << b().output();
  EXPECT_TRUE(loggedAll(c().output(), "INFO", {"Peer verified: node-b", "(agents: beta)"}))
      << c().output();

  expectEveryNodeDelegatesToEveryOther();
}

TEST_F(DiscoverySeed, RestartedSeedLearnsTheJoinersAgainAndTheyResync) {
  ASSERT_NO_FATAL_FAILURE(startAllAndWaitUntilTheyKnowEachOther());

  const size_t bMark = b().output().size(), cMark = c().output().size();
  a().stop();
  ASSERT_TRUE(eventually(
      [&] { return b().statusOf("node-a") == "offline" && c().statusOf("node-a") == "offline"; },
      kConverge))
      << outputs();
  EXPECT_TRUE(loggedAll(b().output().substr(bMark), "WARN", {"Seed sync failed (" + seed() + ")"}))
      << b().output();

  // Same port, same storage folder: the seed's own mesh.json still lists the joiners.
  const int64_t restartedAt = epochMs();
  ASSERT_TRUE(a().start()) << a().output();
  ASSERT_TRUE(eventually([&] { return allKnowEachOther(restartedAt); }, kConverge)) << outputs();
  EXPECT_TRUE(loggedAll(b().output().substr(bMark), "INFO", {"Synced", "from seed " + seed()}))
      << b().output();
  EXPECT_TRUE(loggedAll(c().output().substr(cMark), "INFO", {"Synced", "from seed " + seed()}))
      << c().output();

  expectEveryNodeDelegatesToEveryOther();
}

TEST_F(DiscoverySeed, StoppedJoinerGoesOfflineOnTheSeedAndTheOtherJoinerUntilRestarted) {
  ASSERT_NO_FATAL_FAILURE(startAllAndWaitUntilTheyKnowEachOther());

  c().stop();
  ASSERT_TRUE(eventually(
      [&] { return a().statusOf("node-c") == "offline" && b().statusOf("node-c") == "offline"; },
      kConverge))
      << outputs();
  for (DiscoveryNode* n : {&a(), &b()})
    EXPECT_NE(n->send("gamma", "while node-c is down").exitCode, 0);

  const int64_t restartedAt = epochMs();
  ASSERT_TRUE(c().start()) << c().output();
  ASSERT_TRUE(eventually([&] { return allKnowEachOther(restartedAt); }, kConverge)) << outputs();
  for (DiscoveryNode* n : {&a(), &b()}) {
    RunResult r = n->send("gamma", "after the restart");
    EXPECT_EQ(r.exitCode, 0) << n->name() << ": " << r.err;
  }
}

} // namespace
