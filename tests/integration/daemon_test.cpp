// rivetd as a process: options, exit codes, start-up and shutdown order, signals, logging.
#include "TestSupport.hpp"

#include <csignal>
#include <gtest/gtest.h>

#include <filesystem>
#include <thread>

using namespace rivet::test;

namespace {

std::string devConfig(const TempDir& dir, const std::string& extra = "") {
  std::string path = dir.file("rivet.yaml");
  // Its own state folder: the single-instance lock of each test's node is its own.
  writeFile(path, "mesh:\n  node_name: testnode\n  storage_dir: " + dir.file("storage") +
                      "\n  state_dir: " + dir.file("state") + "\nplugins:\n  dir: " + pluginDir() +
                      "\nagents:\n  echo:\n    plugin: echo\n" + extra);
  return path;
}

} // namespace

TEST(Daemon, PrintsVersionAndHelp) {
  auto v = run({binPath("rivetd"), "--version"});
  EXPECT_EQ(v.exitCode, 0);
  EXPECT_TRUE(contains(v.out, "rivetd 0.1.0 (plugin ABI 1.6)")) << v.out;
  auto h = run({binPath("rivetd"), "--help"});
  EXPECT_EQ(h.exitCode, 0);
  for (const char* opt : {"--config", "--check-config", "--daemon", "--pidfile", "--version"})
    EXPECT_TRUE(contains(h.out, opt)) << opt << "\n" << h.out;
}

TEST(Daemon, UnknownOptionExitsWithConfigurationError) {
  auto r = run({binPath("rivetd"), "--no-such-option"});
  EXPECT_EQ(r.exitCode, 78);
  EXPECT_TRUE(contains(r.err, "no-such-option")) << r.err;
}

TEST(Daemon, CheckConfigPrintsEffectiveSettings) {
  TempDir dir;
  auto r = run({binPath("rivetd"), "--config", devConfig(dir), "--check-config"});
  EXPECT_EQ(r.exitCode, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "testnode")) << r.out;
  EXPECT_TRUE(contains(r.out, "configuration OK")) << r.out;
}

TEST(Daemon, CheckConfigExits78OnInvalidConfiguration) {
  TempDir dir;
  writeFile(dir.file("bad.yaml"), "mesh:\n  agent_channel_port: 70000\n");
  auto r = run({binPath("rivetd"), "--config", dir.file("bad.yaml"), "--check-config"});
  EXPECT_EQ(r.exitCode, 78);
  EXPECT_TRUE(contains(r.err, "bad.yaml:2:")) << r.err;
  EXPECT_TRUE(contains(r.err, "mesh.agent_channel_port")) << r.err;
}

TEST(Daemon, MissingConfigFileExits78NamingThePath) {
  auto r = run({binPath("rivetd"), "--config", "/nonexistent/rivet.yaml"});
  EXPECT_EQ(r.exitCode, 78);
  EXPECT_TRUE(contains(r.err, "/nonexistent/rivet.yaml")) << r.err;
}

TEST(Daemon, StartsAndStopsCleanlyOnSigterm) {
  TempDir dir;
  Process p({binPath("rivetd"), "--config", devConfig(dir)});
  ASSERT_TRUE(p.waitForOutput("Node testnode ready: 1 agent (echo)")) << p.output();
  EXPECT_EQ(p.stop(), 0) << p.output();
  auto out = p.output();
  // Start-up order, then shutdown order.
  auto plugins = out.find("Loading plugins from");
  auto agent = out.find("Agent echo ready");
  auto ready = out.find("ready: 1 agent");
  auto stopping = out.find("Stopping node testnode");
  auto agentsStopped = out.find("Agents stopped");
  auto stopped = out.find("rivetd stopped");
  ASSERT_NE(stopped, std::string::npos) << out;
  EXPECT_LT(plugins, agent);
  EXPECT_LT(agent, ready);
  EXPECT_LT(ready, stopping);
  EXPECT_LT(stopping, agentsStopped);
  EXPECT_LT(agentsStopped, stopped);
  EXPECT_TRUE(contains(out, "INFO  [Node] ")) << out;
}

TEST(Daemon, StopsCleanlyOnSigint) {
  TempDir dir;
  Process p({binPath("rivetd"), "--config", devConfig(dir)});
  ASSERT_TRUE(p.waitForOutput("ready:")) << p.output();
  p.signal(SIGINT);
  EXPECT_EQ(p.wait(), 0) << p.output();
}

TEST(Daemon, JsonLogFormatFromEnvironment) {
  TempDir dir;
  Process p({binPath("rivetd"), "--config", devConfig(dir)}, {{"RIVET_LOG_FORMAT", "json"}});
  ASSERT_TRUE(p.waitForOutput("\"message\":\"Node testnode ready")) << p.output();
  EXPECT_EQ(p.stop(), 0);
  EXPECT_TRUE(contains(p.output(), "{\"level\":\"info\",\"component\":\"Node\",\"message\":"))
      << p.output();
}

TEST(Daemon, LogLevelFromEnvironmentHidesInfo) {
  TempDir dir;
  Process p({binPath("rivetd"), "--config", devConfig(dir)}, {{"RIVET_LOG_LEVEL", "warn"}});
  ASSERT_TRUE(p.running());
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(p.stop(), 0);
  EXPECT_FALSE(contains(p.output(), "INFO")) << p.output();
}

TEST(Daemon, LogFileReceivesTheLog) {
  TempDir dir;
  auto cfg = devConfig(dir, "log:\n  file: " + dir.file("rivetd.log") + "\n");
  Process p({binPath("rivetd"), "--config", cfg});
  for (int i = 0; i < 200 && !contains(readFile(dir.file("rivetd.log")), "ready:"); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_EQ(p.stop(), 0);
  EXPECT_TRUE(contains(readFile(dir.file("rivetd.log")), "rivetd stopped"));
}

TEST(Daemon, DaemonModeWritesPidFileAndDetaches) {
  TempDir dir;
  auto cfg = devConfig(dir, "log:\n  file: " + dir.file("rivetd.log") + "\n");
  auto r = run({binPath("rivetd"), "--config", cfg, "--daemon", "--pidfile", dir.file("pid")});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  int pid = std::stoi(readFile(dir.file("pid")));
  ASSERT_GT(pid, 0);
  EXPECT_EQ(kill(pid, 0), 0);
  kill(pid, SIGTERM);
  for (int i = 0; i < 500 && kill(pid, 0) == 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_NE(kill(pid, 0), 0) << "daemon still running";
  EXPECT_TRUE(contains(readFile(dir.file("rivetd.log")), "rivetd stopped"));
}

TEST(Daemon, SecondInstanceIsRefusedAndLeavesThePidFileOfTheFirst) {
  TempDir dir;
  auto cfg = devConfig(dir, "log:\n  file: " + dir.file("rivetd.log") + "\n");
  auto r = run({binPath("rivetd"), "--config", cfg, "--daemon", "--pidfile", dir.file("pid")});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  int pid = std::stoi(readFile(dir.file("pid")));
  auto second = run({binPath("rivetd"), "--config", cfg, "--daemon", "--pidfile", dir.file("pid")});
  EXPECT_EQ(second.exitCode, 78) << second.err;
  EXPECT_TRUE(contains(second.err, "another rivetd (pid " + std::to_string(pid) + ")"))
      << second.err;
  EXPECT_EQ(std::stoi(readFile(dir.file("pid"))), pid) << "the running daemon's pid file stays";
  kill(pid, SIGTERM);
  for (int i = 0; i < 500 && kill(pid, 0) == 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_NE(kill(pid, 0), 0) << "daemon still running";
  EXPECT_FALSE(std::filesystem::exists(dir.file("pid"))) << "removed when the daemon is done";
}

TEST(Daemon, DaemonModeReportsStartupFailureInForeground) {
  TempDir dir;
  auto cfg = devConfig(dir, "  other:\n    plugin: no-such-plugin\n");
  auto r = run({binPath("rivetd"), "--config", cfg, "--daemon"});
  EXPECT_EQ(r.exitCode, 78);
  EXPECT_TRUE(contains(r.err, "no plugin named 'no-such-plugin'")) << r.err;
}
