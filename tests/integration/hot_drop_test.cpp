// Agent plugins dropped into plugins.agents_dir while rivetd runs: loaded within about a second,
// announced and served; a broken file is refused, an overwritten one ignored, and rivetd serves on.
// The same rules hold at start-up: a hot-dropped agent starts again while its file is there, and a
// dropped plugin never takes a shipped plugin's name.
#include "MeshNode.hpp"

#include <gtest/gtest.h>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <thread>

using namespace rivet::test;
using namespace std::chrono_literals;

namespace {

using Clock = std::chrono::steady_clock;
using JsonObject = Poco::JSON::Object::Ptr;
using JsonArray = Poco::JSON::Array::Ptr;

// A client presenting the certificate of node `cn`, expecting to reach `node`.
HttpResponse call(const TestPki& pki, const std::string& cn, const MeshNode& node,
                  const std::string& method, const std::string& path,
                  const std::string& body = "") {
  TestTlsClient client(clientOptions(pki, cn, node.name() + ".mesh"));
  HttpResponse response;
  if (!client.connect(node.port()) || !client.request(method, path, body, response))
    ADD_FAILURE() << method << " " << path << " on " << node.name() << ": " << client.error();
  return response;
}

// Time left until `t`, never negative.
std::chrono::milliseconds until(Clock::time_point t) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(t - Clock::now());
  return std::max(left, std::chrono::milliseconds(0));
}

// One node whose agents folder starts empty; tests drop plugin files into it.
class HotDrop : public ::testing::Test {
protected:
  static void SetUpTestSuite() { pki_ = std::make_unique<TestPki>(); }
  static void TearDownTestSuite() { pki_.reset(); }
  void SetUp() override {
    std::filesystem::create_directories(agentsDir());
    node_ = std::make_unique<MeshNode>(
        *pki_, work_.file("shared"), "node-h", "agents:\n  echo:\n    plugin: echo\n",
        std::string(kFastHeartbeat) + "  state_dir: " + work_.file("state") + "\n",
        "  agents_dir: " + agentsDir() + "\n");
    ASSERT_TRUE(node_->start()) << node_->output();
  }
  void TearDown() override { node_.reset(); }

  std::string agentsDir() const { return work_.file("agents"); }
  std::string agentsJson() { return call(*pki_, "node-h", *node_, "GET", "/api/agents").body; }
  bool servesCUpper() {
    return contains(agentsJson(),
                    R"({"id":"c-upper","name":"c-upper","provider":"c","model":"upper-1"})");
  }

  // mesh.json's entry lists c-upper among its agents and in metadata.agentDetails.
  bool announcesCUpper() {
    JsonObject entry = registryEntry(work_.file("shared"), "node-h");
    if (!entry || strings(entry->getArray("agents")) != std::vector<std::string>{"echo", "c-upper"})
      return false;
    JsonObject metadata = entry->getObject("metadata");
    JsonObject details = metadata ? metadata->getObject("agentDetails") : nullptr;
    JsonObject cUpper = details ? details->getObject("c-upper") : nullptr;
    return cUpper && cUpper->optValue<std::string>("provider", "") == "c";
  }

  static std::unique_ptr<TestPki> pki_;
  TempDir work_;
  std::unique_ptr<MeshNode> node_;
};

std::unique_ptr<TestPki> HotDrop::pki_;

TEST_F(HotDrop, DroppedAgentPluginIsListedAnnouncedAndServedWithinTwoSeconds) {
  const std::string dropped = agentsDir() + "/c-upper.so";
  std::filesystem::copy_file(fixturePath("c-upper.so"), dropped);
  const auto due = Clock::now() + 2s;

  EXPECT_TRUE(eventually([&] { return servesCUpper(); }, until(due)))
      << agentsJson() << node_->output();
  EXPECT_TRUE(eventually([&] { return announcesCUpper(); }, until(due)))
      << readFile(work_.file("shared/mesh.json"));
  EXPECT_TRUE(eventually(
      [&] {
        return logged(node_->output(), "INFO", "[Agents] Agent c-upper hot-loaded from " + dropped);
      },
      until(due)))
      << node_->output();
  RunResult r = rivetctl(*node_, {"send", "c-upper", "abc"});
  EXPECT_EQ(r.exitCode, 0) << r.err;
  EXPECT_EQ(r.out, "ABC\n");
}

TEST_F(HotDrop, BrokenDroppedFileIsRefusedWithTheLoadersMessageAndTheNodeServesOn) {
  const std::string dropped = agentsDir() + "/bad-magic.so";
  std::filesystem::copy_file(fixturePath("bad-magic.so"), dropped);

  // The loader's own message, naming the file, on the WARN line.
  const std::string refusal = "[Plugins] refused dropped plugin file: '" + dropped +
                              "' returned a descriptor with bad magic 0xDEADBEEF";
  EXPECT_TRUE(eventually([&] { return logged(node_->output(), "WARN", refusal); }, 2s))
      << node_->output();
  std::string log = node_->output();
  ASSERT_TRUE(node_->process().running()) << log;
  EXPECT_EQ(agentsJson(), R"({"agents":[{"id":"echo","name":"echo","provider":"echo"}]})");
  RunResult r = rivetctl(*node_, {"send", "echo", "still serving"});
  EXPECT_EQ(r.exitCode, 0) << r.err;
  EXPECT_EQ(r.out, "still serving\n");
}

TEST_F(HotDrop, FileWrittenInTwoPartsIsLoadedOnceCompleteNotRefused) {
  const std::string plugin = readFile(fixturePath("c-upper.so"));
  const size_t half = plugin.size() / 2;
  {
    std::ofstream out(agentsDir() + "/c-upper.so", std::ios::binary);
    out.write(plugin.data(), static_cast<std::streamsize>(half));
    out.flush();
    std::this_thread::sleep_for(200ms);
    out.write(plugin.data() + half, static_cast<std::streamsize>(plugin.size() - half));
  }
  EXPECT_TRUE(eventually([&] { return servesCUpper(); }, 2s)) << agentsJson() << node_->output();
  EXPECT_FALSE(contains(node_->output(), "refused dropped plugin file")) << node_->output();

  RunResult r = rivetctl(*node_, {"send", "c-upper", "abc"});
  EXPECT_EQ(r.exitCode, 0) << r.err;
  EXPECT_EQ(r.out, "ABC\n");
}

// Files that crash dlopen (SIGBUS on a truncated file, SIGSEGV on wild relocations) are refused
// by the checks and the probe process; the daemon never maps them.
TEST_F(HotDrop, TruncatedOrCrashingDroppedFilesAreRefusedAndTheNodeServesOn) {
  for (const std::string file : {"truncated.so", "flipped-bytes.so"})
    std::filesystem::copy_file(fixturePath(file), agentsDir() + "/" + file);
  EXPECT_TRUE(eventually(
      [&] {
        std::string log = node_->output();
        return logged(log, "WARN", "'" + agentsDir() + "/truncated.so' is truncated") &&
               logged(log, "WARN",
                      "'" + agentsDir() +
                          "/flipped-bytes.so' crashed the plugin probe with SIGSEGV");
      },
      3s))
      << node_->output();
  ASSERT_TRUE(node_->process().running()) << node_->output();
  RunResult r = rivetctl(*node_, {"send", "echo", "still serving"});
  EXPECT_EQ(r.exitCode, 0) << r.err;
  EXPECT_EQ(r.out, "still serving\n");
}

// `cp new.so agents_dir/x.so` rewrites the loaded file's inode; the agent runs from rivetd's own
// copy, so it keeps answering, and the change is reported as needing a restart.
TEST_F(HotDrop, PluginOverwrittenInPlaceWhileLoadedKeepsAnsweringAndAsksForARestart) {
  const std::string dropped = agentsDir() + "/c-upper.so";
  std::filesystem::copy_file(fixturePath("c-upper.so"), dropped);
  ASSERT_TRUE(eventually([&] { return servesCUpper(); }, 2s)) << node_->output();
  {
    std::ofstream out(dropped, std::ios::binary | std::ios::trunc); // same inode, as cp does
    out << readFile(fixturePath("truncated.so"));
  }
  EXPECT_TRUE(eventually(
      [&] {
        return logged(node_->output(), "WARN",
                      "'" + dropped + "' changed, but that plugin is already loaded");
      },
      2s))
      << node_->output();
  for (int i = 0; i < 3; ++i) {
    RunResult r = rivetctl(*node_, {"send", "c-upper", "abc"});
    EXPECT_EQ(r.exitCode, 0) << r.err << node_->output();
    EXPECT_EQ(r.out, "ABC\n");
  }
  EXPECT_TRUE(node_->process().running()) << node_->output();
}

size_t count(const std::string& text, const std::string& part) {
  size_t n = 0;
  for (size_t at = text.find(part); at != std::string::npos; at = text.find(part, at + 1))
    ++n;
  return n;
}

// abi.h: one host control thread at a time. Shutdown waits for the hot-drop start() in progress,
// starts no further one, and only then stops the agents (the hot-dropped one included).
TEST_F(HotDrop, ShutdownWaitsForTheHotDropInProgressAndStartsNoOther) {
  for (const std::string file : {"slow-a.so", "slow-b.so"})
    std::filesystem::copy_file(fixturePath(file), agentsDir() + "/" + file);
  ASSERT_TRUE(eventually([&] { return contains(node_->output(), "slow start begins"); }, 3s))
      << node_->output();
  node_->process().signal(SIGTERM);
  EXPECT_EQ(node_->process().wait(10s), 0) << node_->output();
  std::string log = node_->output();
  EXPECT_EQ(count(log, "slow start begins"), 1u) << log;
  EXPECT_EQ(count(log, "Agent slow-b hot-loaded"), 0u) << log;
  size_t ended = log.find("slow start ends");
  size_t stopped = log.find("slow stop");
  ASSERT_NE(ended, std::string::npos) << log;
  ASSERT_NE(stopped, std::string::npos) << "the hot-dropped agent was stopped\n" << log;
  EXPECT_LT(ended, stopped) << log;
  EXPECT_LT(log.find("Stopping node"), stopped) << log;
}

void restart(MeshNode& node) {
  node.process().signal(SIGTERM);
  ASSERT_EQ(node.process().wait(10s), 0) << node.output();
  ASSERT_TRUE(node.start()) << node.output();
}

TEST_F(HotDrop, HotDroppedAgentStartsAgainAfterARestartUntilItsFileIsRemoved) {
  const std::string dropped = agentsDir() + "/c-upper.so";
  std::filesystem::copy_file(fixturePath("c-upper.so"), dropped);
  ASSERT_TRUE(eventually([&] { return servesCUpper(); }, 2s)) << node_->output();

  restart(*node_);
  EXPECT_TRUE(servesCUpper()) << agentsJson() << node_->output();
  EXPECT_TRUE(logged(node_->output(), "INFO",
                     "[Agents] Agent c-upper started again from dropped plugin file " + dropped))
      << node_->output();

  std::filesystem::remove(dropped);
  EXPECT_TRUE(eventually(
      [&] {
        return logged(node_->output(), "WARN",
                      "[Plugins] plugin file " + dropped +
                          " was removed: agent c-upper runs on from rivetd's private copy until "
                          "rivetd stops, and does not start again");
      },
      2s))
      << node_->output();
  RunResult r = rivetctl(*node_, {"send", "c-upper", "still"});
  EXPECT_EQ(r.out, "STILL\n") << r.err;

  restart(*node_);
  EXPECT_EQ(agentsJson(), R"({"agents":[{"id":"echo","name":"echo","provider":"echo"}]})");
}

TEST_F(HotDrop, DroppedPluginWithAShippedPluginsNameIsRefusedWhileRunningAndAtStartUp) {
  // command.so is shipped but not loaded (rivet.yaml names only echo): a copy under another
  // file name still may not take its name.
  const std::string dropped = agentsDir() + "/my-command.so";
  std::filesystem::copy_file(pluginDir() + "/command.so", dropped);
  const std::string refusal = "[Plugins] refused dropped plugin file: '" + dropped +
                              "' declares plugin name 'command', which the shipped plugin '" +
                              pluginDir() + "/command.so' has";
  EXPECT_TRUE(eventually([&] { return logged(node_->output(), "WARN", refusal); }, 2s))
      << node_->output();

  restart(*node_);
  EXPECT_TRUE(logged(node_->output(), "INFO",
                     "[Plugins] not loaded from " + agentsDir() + ": my-command.so"))
      << node_->output();
  EXPECT_EQ(agentsJson(), R"({"agents":[{"id":"echo","name":"echo","provider":"echo"}]})");
  EXPECT_FALSE(contains(node_->output(), "did not start without settings")) << node_->output();
}

} // namespace
