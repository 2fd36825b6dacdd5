// Agent plugins dropped into plugins.agents_dir while rivetd runs: loaded within about a second,
// announced in /api/agents and mesh.json and served; a broken file is refused and rivetd serves on.
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
    node_ = std::make_unique<MeshNode>(*pki_, work_.file("shared"), "node-h",
                                       "agents:\n  echo:\n    plugin: echo\n", kFastHeartbeat,
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

} // namespace
