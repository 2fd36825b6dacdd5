// rivetctl as an operator uses it: the configuration found without --config, --help of every
// command on stdout, usage errors that say what was wrong, send - reading stdin, list/status
// exit codes on broken registries and unhealthy nodes, forget beside a live heartbeat, and
// plugin check of a bare file name. Real rivetd and rivetctl processes, real files.
#include "MeshNode.hpp"
#include "MeshTestKit.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <sys/stat.h>
#include <unistd.h>

using namespace rivet::test;
using namespace std::chrono_literals;

namespace {

RunResult rivetctl(std::vector<std::string> args, const Env& env = {},
                   const std::string& cwd = "") {
  args.insert(args.begin(), binPath("rivetctl"));
  return run(args, env, std::chrono::seconds(20), cwd);
}

// Runs rivetctl ARGS with stdin from `stdinFile`, through /bin/sh.
RunResult rivetctlWithStdin(const std::vector<std::string>& args, const std::string& stdinFile) {
  std::string command = "exec \"$0\"";
  for (size_t i = 0; i < args.size(); ++i)
    command += " \"$" + std::to_string(i + 1) + "\"";
  command += " < \"$RIVETCTL_STDIN\"";
  std::vector<std::string> argv = {"/bin/sh", "-c", command, binPath("rivetctl")};
  argv.insert(argv.end(), args.begin(), args.end());
  return run(argv, {{"RIVETCTL_STDIN", stdinFile}}, std::chrono::seconds(30));
}

int64_t nowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string entry(const std::string& id, const std::string& status, int64_t lastSeen) {
  return "\"" + id + "\":{\"id\":\"" + id + "\",\"name\":\"" + id +
         "\",\"host\":\"127.0.0.1\",\"port\":4000,\"agents\":[\"echo\"],\"status\":\"" + status +
         "\",\"lastSeen\":" + std::to_string(lastSeen) + ",\"registeredAt\":1,\"version\":\"t\"}";
}

std::string registryWith(const std::vector<std::string>& entries) {
  std::string nodes;
  for (const auto& e : entries)
    nodes += (nodes.empty() ? "" : ",") + e;
  return "{\"version\":1,\"nodes\":{" + nodes + "},\"updatedAt\":" + std::to_string(nowMs()) + "}";
}

// A configuration (no running node) whose storage folder is `dir`.
std::string offlineConfig(TestPki& pki, const TempDir& dir, const std::string& name = "node-a") {
  return writeNodeConfig(dir, nodeSettings(pki, name));
}

void expectUsageError(const RunResult& r, const std::string& reason) {
  EXPECT_EQ(r.exitCode, 2) << r.out << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_PRED2(contains, r.err, reason);
}

class RivetctlOps : public ::testing::Test {
protected:
  static void SetUpTestSuite() { pki_ = new TestPki; }
  static void TearDownTestSuite() {
    delete pki_;
    pki_ = nullptr;
  }
  static TestPki* pki_;
};
TestPki* RivetctlOps::pki_ = nullptr;

TEST_F(RivetctlOps, ConfigIsFoundThroughRivetConfigThenTheWorkingFolder) {
  TempDir dir;
  std::string config = offlineConfig(*pki_, dir);
  writeFile(dir.file("mesh.json"), registryWith({entry("node-q", "offline", 5)}));

  RunResult viaEnv = rivetctl({"list"}, {{"RIVET_CONFIG", config}});
  EXPECT_EQ(viaEnv.exitCode, 0) << viaEnv.err;
  EXPECT_PRED2(contains, viaEnv.out, "node-q");

  TempDir work; // ./config/rivet.yaml of the working folder
  std::filesystem::create_directories(work.file("config"));
  std::filesystem::copy_file(config, work.file("config/rivet.yaml"));
  RunResult viaCwd = rivetctl({"list"}, {{"RIVET_CONFIG", ""}}, work.path());
  EXPECT_EQ(viaCwd.exitCode, 0) << viaCwd.err;
  EXPECT_PRED2(contains, viaCwd.out, "node-q");

  // RIVET_CONFIG naming a missing file is that file's error, not a silent fallback.
  RunResult missing = rivetctl({"status"}, {{"RIVET_CONFIG", dir.file("nope.yaml")}}, work.path());
  EXPECT_EQ(missing.exitCode, 1);
  EXPECT_PRED2(contains, missing.err, dir.file("nope.yaml"));
}

TEST_F(RivetctlOps, NoConfigAnywhereListsWhatWasTried) {
  if (std::filesystem::exists("/etc/rivet/rivet.yaml"))
    GTEST_SKIP() << "/etc/rivet/rivet.yaml exists on this machine";
  TempDir empty;
  for (const char* command : {"list", "status", "ping", "tasks", "forget"}) {
    std::vector<std::string> args = {command};
    if (std::string(command) == "forget")
      args.push_back("node-x");
    RunResult r = rivetctl(args, {{"RIVET_CONFIG", ""}}, empty.path());
    EXPECT_EQ(r.exitCode, 1) << command << r.err;
    EXPECT_PRED2(contains, r.err,
                 "no configuration file; tried --config (not given), RIVET_CONFIG "
                 "(not set), ./config/rivet.yaml (does not exist), "
                 "/etc/rivet/rivet.yaml (does not exist)")
        << command;
  }
}

TEST_F(RivetctlOps, EverySubcommandHelpGoesToStdoutWithExitZero) {
  for (const char* command : {"ping", "agents", "send", "tasks", "task", "cancel", "delegate",
                              "list", "status", "forget", "plugin", "bench", "ca"}) {
    RunResult r = rivetctl({command, "--help"}, {{"RIVET_CONFIG", "/nonexistent/rivet.yaml"}});
    EXPECT_EQ(r.exitCode, 0) << command << r.err;
    EXPECT_EQ(r.err, "") << command;
    EXPECT_PRED2(contains, r.out, "usage: rivetctl") << command;
    EXPECT_PRED2(contains, r.out, "--help") << command;
  }
  EXPECT_PRED2(contains, rivetctl({"forget", "--help"}).out, "--older-than DURATION");
  EXPECT_PRED2(contains, rivetctl({"ping", "--help"}).out, "--timeout MS");
}

TEST_F(RivetctlOps, UsageErrorsSayWhatWasWrong) {
  Env none = {{"RIVET_CONFIG", "/nonexistent/rivet.yaml"}};
  expectUsageError(rivetctl({"send", "echo", ""}, none), "rivetctl send: the task is empty");
  expectUsageError(rivetctl({"send", "echo"}, none), "no task given for echo");
  expectUsageError(rivetctl({"send", "echo", "x", "--timeout", "soon"}, none),
                   "--timeout needs milliseconds");
  expectUsageError(rivetctl({"send", "echo", "x", "--bogus"}, none), "unknown option '--bogus'");
  expectUsageError(rivetctl({"ping", "--timeout"}, none), "--timeout needs a value");
  expectUsageError(rivetctl({"agents", "a:1", "b:2"}, none), "one address only");
  expectUsageError(rivetctl({"list", "--tree"}, none), "unknown option '--tree'");
  expectUsageError(rivetctl({"forget"}, none), "give a NODE or --older-than DURATION");
  expectUsageError(rivetctl({"forget", "--older-than", "7 days"}, none),
                   "--older-than needs a number and a unit");
  expectUsageError(rivetctl({"plugin", "check"}, none), "check needs the plugin FILE");
  expectUsageError(rivetctl({"plugin", "check", "x.so", "--config", "c.yaml"}, none),
                   "--config needs --agent ID");
  expectUsageError(rivetctl({"delegate", "--roster", "x"}, none), "--roster takes no agent");
}

TEST_F(RivetctlOps, SendDashReadsTheTaskFromStdinBounded) {
  NodeProcess node(nodeSettings(*pki_, "node-s"));
  ASSERT_TRUE(node.ready()) << node.output();
  TempDir dir;
  std::string task = "line one\nline two with \"quotes\" and ünïcode";
  writeFile(dir.file("task.txt"), task);
  RunResult r =
      rivetctlWithStdin({"--config", node.configPath(), "send", "echo", "-"}, dir.file("task.txt"));
  EXPECT_EQ(r.exitCode, 0) << r.err;
  EXPECT_PRED2(contains, r.out, task);

  RunResult json = rivetctl({"--config", node.configPath(), "send", "echo", "hello", "--json"});
  EXPECT_EQ(json.exitCode, 0) << json.err;
  JsonObject answer = parseObject(json.out);
  ASSERT_TRUE(answer) << json.out;
  EXPECT_EQ(answer->optValue<std::string>("status", ""), "completed") << json.out;
  EXPECT_PRED2(contains, answer->optValue<std::string>("response", ""), "hello");

  RunResult detached =
      rivetctl({"--config", node.configPath(), "send", "echo", "hi", "--detach", "--json"});
  EXPECT_EQ(detached.exitCode, 0) << detached.err;
  JsonObject submitted = parseObject(detached.out);
  ASSERT_TRUE(submitted) << detached.out;
  EXPECT_FALSE(submitted->optValue<std::string>("id", "").empty()) << detached.out;
  expectUsageError(
      rivetctl({"--config", node.configPath(), "send", "echo", "hi", "--follow", "--json"}),
      "--json does not go with --follow");

  writeFile(dir.file("empty.txt"), "");
  RunResult empty = rivetctlWithStdin({"--config", node.configPath(), "send", "echo", "-"},
                                      dir.file("empty.txt"));
  EXPECT_EQ(empty.exitCode, 2);
  EXPECT_PRED2(contains, empty.err, "the task on stdin is empty");

  writeFile(dir.file("big.txt"), std::string(10 * 1024 * 1024 + 1, 'a'));
  RunResult big =
      rivetctlWithStdin({"--config", node.configPath(), "send", "echo", "-"}, dir.file("big.txt"));
  EXPECT_EQ(big.exitCode, 1);
  EXPECT_EQ(big.out, "");
  EXPECT_PRED2(contains, big.err, "larger than 10 MiB");
}

TEST_F(RivetctlOps, ListAndStatusFailOnAMissingOrBrokenRegistryNamingTheFile) {
  TempDir dir;
  std::string config = offlineConfig(*pki_, dir);
  std::string registry = dir.file("mesh.json");
  for (const char* command : {"list", "status"}) {
    std::filesystem::remove_all(registry);
    RunResult missing = rivetctl({"--config", config, command});
    EXPECT_EQ(missing.exitCode, 1) << command << missing.out;
    EXPECT_PRED2(contains, missing.err, registry + " does not exist");

    writeFile(registry, "{\"version\":1,\"nodes\":{\"node-q\":{\"id\":\"no"); // torn
    RunResult torn = rivetctl({"--config", config, command, "--json"});
    EXPECT_EQ(torn.exitCode, 1) << command << torn.out;
    EXPECT_EQ(torn.out, "");
    EXPECT_PRED2(contains, torn.err, "cannot read the registry");
    EXPECT_PRED2(contains, torn.err, registry);

    writeFile(registry, "[1,2]"); // not the registry's shape
    EXPECT_EQ(rivetctl({"--config", config, command}).exitCode, 1) << command;

    std::filesystem::remove(registry);
    std::filesystem::create_directory(registry); // a folder
    RunResult folder = rivetctl({"--config", config, command});
    EXPECT_EQ(folder.exitCode, 1) << command;
    EXPECT_PRED2(contains, folder.err, registry);
  }
}

TEST_F(RivetctlOps, StatusExitsOneWhenANodeIsOfflineOrStale) {
  TempDir dir;
  std::string config = offlineConfig(*pki_, dir);
  std::string registry = dir.file("mesh.json");
  int64_t now = nowMs();

  writeFile(registry,
            registryWith({entry("node-1", "online", now), entry("node-2", "online", now)}));
  RunResult healthy = rivetctl({"--config", config, "status", "--json"});
  EXPECT_EQ(healthy.exitCode, 0) << healthy.out << healthy.err;
  EXPECT_PRED2(contains, healthy.out, "\"healthy\":true");

  writeFile(registry,
            registryWith({entry("node-1", "online", now), entry("node-2", "offline", now)}));
  RunResult offline = rivetctl({"--config", config, "status"});
  EXPECT_EQ(offline.exitCode, 1) << offline.out;
  EXPECT_PRED2(contains, offline.out, "1 offline");

  // Online, but not seen for longer than mesh.stale_threshold_ms (90 s by default).
  writeFile(registry, registryWith({entry("node-1", "online", now),
                                    entry("node-2", "online", now - 600000)}));
  RunResult stale = rivetctl({"--config", config, "status", "--json"});
  EXPECT_EQ(stale.exitCode, 1) << stale.out;
  EXPECT_PRED2(contains, stale.out, "\"stale\":1");
  EXPECT_PRED2(contains, stale.out, "\"healthy\":false");
  RunResult list = rivetctl({"--config", config, "list"});
  EXPECT_EQ(list.exitCode, 0) << list.err;
  EXPECT_PRED2(contains, list.out, "stale    node-2");
  RunResult listJson = rivetctl({"--config", config, "list", "--json"});
  EXPECT_EQ(listJson.exitCode, 0) << listJson.err;
  ASSERT_TRUE(parseArray(listJson.out)) << listJson.out;
}

TEST_F(RivetctlOps, ForgetRemovesOfflineNodesAndRefusesAFreshOne) {
  TempDir dir;
  std::string config = offlineConfig(*pki_, dir);
  std::string registry = dir.file("mesh.json");
  int64_t now = nowMs();
  writeFile(registry, registryWith({entry("node-live", "online", now),
                                    entry("node-gone", "offline", now - 3600000),
                                    entry("node-old1", "offline", now - 8 * 86400000LL),
                                    entry("node-old2", "online", now - 9 * 86400000LL),
                                    entry("node-new", "offline", now - 60000)}));

  RunResult refused = rivetctl({"--config", config, "forget", "node-live"});
  EXPECT_EQ(refused.exitCode, 1);
  EXPECT_PRED2(contains, refused.err, "node node-live (node-live) is online and fresh: last seen");
  EXPECT_TRUE(registryEntry(dir.path(), "node-live"));

  RunResult unknown = rivetctl({"--config", config, "forget", "node-nobody"});
  EXPECT_EQ(unknown.exitCode, 1);
  EXPECT_PRED2(contains, unknown.err, "'node-nobody' is not in " + registry);

  RunResult one = rivetctl({"--config", config, "forget", "node-gone"});
  EXPECT_EQ(one.exitCode, 0) << one.err;
  EXPECT_PRED2(contains, one.out, "forgot node-gone (node-gone), offline, last seen 1h ago");
  EXPECT_FALSE(registryEntry(dir.path(), "node-gone"));

  RunResult many = rivetctl({"--config", config, "forget", "--older-than", "7d", "--json"});
  EXPECT_EQ(many.exitCode, 0) << many.err;
  JsonObject answer = parseObject(many.out);
  ASSERT_TRUE(answer) << many.out;
  EXPECT_EQ(answer->getArray("forgotten")->size(), 2u) << many.out;
  EXPECT_FALSE(registryEntry(dir.path(), "node-old1"));
  EXPECT_FALSE(registryEntry(dir.path(), "node-old2")); // online but stale for 9 days
  EXPECT_TRUE(registryEntry(dir.path(), "node-new"));
  EXPECT_TRUE(registryEntry(dir.path(), "node-live"));

  RunResult none = rivetctl({"--config", config, "forget", "--older-than", "7d"});
  EXPECT_EQ(none.exitCode, 0) << none.err;
  EXPECT_PRED2(contains, none.out, "0 nodes forgotten");

  writeFile(registry, "{\"version\":1,\"nodes\":{"); // torn: refused, not rewritten
  RunResult torn = rivetctl({"--config", config, "forget", "node-new"});
  EXPECT_EQ(torn.exitCode, 1);
  EXPECT_PRED2(contains, torn.err, registry);
  EXPECT_EQ(readFile(registry), "{\"version\":1,\"nodes\":{");
}

// forget writes under the registry's lock: a running node's heartbeats meanwhile are kept.
TEST_F(RivetctlOps, ForgetBesideALiveHeartbeatLosesNothing) {
  TempDir dir;
  NodeSettings s = nodeSettings(*pki_, "node-h");
  s.meshYaml = "  heartbeat_interval_ms: 100\n  stale_threshold_ms: 3000\n";
  std::vector<std::string> gone;
  int64_t now = nowMs();
  for (int i = 0; i < 12; ++i) {
    gone.push_back("node-x" + std::to_string(i));
    gone.back() = entry(gone.back(), "offline", now - 3600000);
  }
  writeFile(dir.file("mesh.json"), registryWith(gone));
  std::string config = writeNodeConfig(dir, s);
  Process node({binPath("rivetd"), "--config", config});
  ASSERT_TRUE(node.waitForOutput("Agent channel listening on :")) << node.output();
  ASSERT_TRUE(eventually([&] { return lastSeenIn(dir.path(), "node-h") > 0; }, 5s));

  int64_t before = lastSeenIn(dir.path(), "node-h");
  for (int i = 0; i < 12; ++i) {
    RunResult r = rivetctl({"--config", config, "forget", "node-x" + std::to_string(i)});
    EXPECT_EQ(r.exitCode, 0) << r.err;
    EXPECT_TRUE(registryEntry(dir.path(), "node-h")) << "the node's own entry was lost";
  }
  for (int i = 0; i < 12; ++i)
    EXPECT_FALSE(registryEntry(dir.path(), "node-x" + std::to_string(i))) << i;
  // Heartbeats went on during and after the forgets, and the node's entry is still its own.
  EXPECT_TRUE(eventually([&] { return lastSeenIn(dir.path(), "node-h") > before; }, 5s));
  EXPECT_EQ(statusIn(dir.path(), "node-h"), "online");
  EXPECT_EQ(node.stop(), 0);
}

TEST_F(RivetctlOps, PluginCheckFindsABareFileNameInTheWorkingFolder) {
  TempDir work;
  std::filesystem::copy_file(pluginDir() + "/echo.so", work.file("echo.so"));
  RunResult r = rivetctl({"plugin", "check", "echo.so"}, {}, work.path());
  EXPECT_EQ(r.exitCode, 0) << r.err;
  EXPECT_PRED2(contains, r.out, "name:        echo");
  RunResult json = rivetctl({"plugin", "check", "echo.so", "--json"}, {}, work.path());
  EXPECT_EQ(json.exitCode, 0) << json.err;
  JsonObject descriptor = parseObject(json.out);
  ASSERT_TRUE(descriptor) << json.out;
  EXPECT_EQ(descriptor->optValue<std::string>("name", ""), "echo");
  EXPECT_EQ(descriptor->optValue<std::string>("kind", ""), "agent");
  RunResult missing = rivetctl({"plugin", "check", "nothere.so"}, {}, work.path());
  EXPECT_EQ(missing.exitCode, 1);
  EXPECT_PRED2(contains, missing.err, "nothere.so");
}

} // namespace

namespace {

TEST_F(RivetctlOps, ReloadSignalsOnlyTheNodesOwnRivetd) {
  TempDir state;
  NodeSettings s = nodeSettings(*pki_, "node-r");
  s.meshYaml = "  state_dir: " + state.path() + "\n";
  NodeProcess node(s);
  ASSERT_TRUE(node.ready()) << node.output();
  size_t mark = node.output().size();
  RunResult r = rivetctl({"--config", node.configPath(), "reload"});
  EXPECT_EQ(r.exitCode, 0) << r.err;
  EXPECT_PRED2(contains, r.out, "pid " + std::to_string(node.pid()));
  EXPECT_TRUE(node.waitForOutputSince(mark, "SIGHUP")) << node.outputSince(mark);

  // A lock file naming another process (this test) is not trusted.
  TempDir storage, otherState;
  NodeSettings fake = nodeSettings(*pki_, "node-f");
  fake.meshYaml = "  state_dir: " + otherState.path() + "\n";
  std::string config = writeNodeConfig(storage, fake);
  writeFile(otherState.file("rivetd.lock"), std::to_string(::getpid()) + "\n");
  RunResult refused = rivetctl({"--config", config, "reload"});
  EXPECT_EQ(refused.exitCode, 1);
  EXPECT_PRED2(contains, refused.err, "is not locked: no rivetd runs this node");

  // Locked, but by a program that is not rivetd: never signalled.
  if (!std::filesystem::exists("/usr/bin/flock"))
    GTEST_SKIP() << "no /usr/bin/flock";
  // One process (sh, then sleep) that holds the lock itself, so that its pid stops all of it.
  Process holder({"/bin/sh", "-c", "exec 9<\"$0\" && /usr/bin/flock 9 && exec sleep 30",
                  otherState.file("rivetd.lock")});
  writeFile(otherState.file("rivetd.lock"), std::to_string(holder.pid()) + "\n");
  RunResult notRivetd;
  EXPECT_TRUE(eventually(
      [&] {
        notRivetd = rivetctl({"--config", config, "reload"});
        return contains(notRivetd.err, "is not a rivetd of this user");
      },
      5s))
      << notRivetd.err;
  EXPECT_EQ(notRivetd.exitCode, 1);
  EXPECT_TRUE(holder.running()) << "the lock's holder was signalled";
  holder.signal(SIGKILL);
}

} // namespace
