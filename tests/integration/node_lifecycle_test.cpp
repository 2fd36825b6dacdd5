// One node, one daemon, and a shutdown that keeps its word: the same configuration started
// twice is refused naming the running process, a second listener can never share the port, a
// running task does not stretch SIGTERM past the grace, and a plugin whose task ignores its
// cancellation is neither stopped under its feet nor let back into a destroyed node.
#include "MeshNode.hpp"

#include <gtest/gtest.h>

#include <csignal>
#include <thread>

using namespace rivet::test;
using namespace std::chrono_literals;

namespace {

int64_t msSince(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t).count();
}

TEST(NodeLifecycle, SameConfigurationStartedTwiceIsRefusedNamingTheRunningProcess) {
  TestPki pki;
  NodeProcess first(nodeSettings(pki));
  ASSERT_TRUE(first.ready()) << first.output();
  Process second({binPath("rivetd"), "--config", first.configPath()});
  EXPECT_EQ(second.wait(10s), 78) << second.output();
  EXPECT_PRED2(contains, second.output(),
               "another rivetd (pid " + std::to_string(first.pid()) + ") holds ");
  EXPECT_PRED2(contains, second.output(), "stop it first");
  EXPECT_TRUE(first.process().running());
}

TEST(NodeLifecycle, SecondListenerOnTheSamePortFailsEvenWithItsOwnStateFolder) {
  TestPki pki;
  TempDir stateA, stateB, storage;
  const std::string agents = "agents:\n  echo:\n    plugin: echo\n";
  MeshNode first(pki, storage.path(), "node-a", agents,
                 std::string(kFastHeartbeat) + "  state_dir: " + stateA.path() + "\n");
  ASSERT_TRUE(first.start()) << first.output();
  // Same port, another state folder: only the listening socket can stop it.
  std::string config = readFile(first.configPath());
  size_t at = config.find(stateA.path());
  config.replace(at, stateA.path().size(), stateB.path());
  TempDir dir;
  writeFile(dir.file("rivet.yaml"), config);
  Process second({binPath("rivetd"), "--config", dir.file("rivet.yaml")});
  EXPECT_EQ(second.wait(10s), 78) << second.output();
  EXPECT_PRED2(contains, second.output(),
               "cannot listen on 127.0.0.1:" + std::to_string(first.port()));
  EXPECT_TRUE(first.process().running());
}

TEST(NodeLifecycle, SigtermWithARunningCommandTaskEndsWithinTheGrace) {
  TestPki pki;
  TempDir storage;
  MeshNode node(pki, storage.path(), "node-a",
                "agents:\n  slow:\n    plugin: command\n    argv: ['/bin/sleep', '60']\n");
  ASSERT_TRUE(node.start()) << node.output();
  std::thread task([&] { rivetctl(node, {"send", "slow", "x", "--timeout", "60000"}); });
  ASSERT_TRUE(node.process().waitForOutput("Delegating to slow locally", 10s));
  auto before = Clock::now();
  node.process().signal(SIGTERM);
  EXPECT_EQ(node.process().wait(20s), 0) << node.output();
  int64_t took = msSince(before);
  task.join();
  EXPECT_LT(took, 13000) << "SIGTERM took " << took << " ms:\n" << node.output();
  EXPECT_PRED2(contains, node.output(), "Waiting up to 10 s for requests in progress");
}

TEST(NodeLifecycle, PluginIgnoringCancellationIsNotStoppedWhileItRunsNorLetBackIn) {
  TestPki pki;
  TempDir storage;
  MeshNode node(pki, storage.path(), "node-a",
                "agents:\n  stubborn:\n    plugin: stubborn\n  echo:\n    plugin: echo\n",
                kFastHeartbeat, "  agents_dir: " + fixturePath("") + "\n");
  ASSERT_TRUE(node.start()) << node.output();
  std::thread task([&] { rivetctl(node, {"send", "stubborn", "x", "--timeout", "60000"}); });
  ASSERT_TRUE(node.process().waitForOutput("Delegating to stubborn locally", 10s));
  node.process().signal(SIGTERM);
  int code = node.process().wait(30s);
  task.join();
  EXPECT_EQ(code, 0) << "the plugin aborted (stopped while handling) or the daemon crashed:\n"
                     << node.output();
  EXPECT_TRUE(logged(node.output(), "WARN",
                     "agent stubborn still runs a task that ignored its cancellation; its plugin "
                     "is not stopped"))
      << node.output();
}

} // namespace
