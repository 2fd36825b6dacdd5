// The shared registry seen through real rivetd processes (docs/protocol.md §3, §4): three nodes in
// one mesh.json, GET /api/mesh, /api/mesh/join and its CN rule, heartbeats and a clean stop.
#include "MeshNode.hpp"

#include <gtest/gtest.h>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <csignal>
#include <filesystem>
#include <memory>
#include <set>
#include <sstream>
#include <thread>

using namespace rivet::test;
using namespace std::chrono_literals;

namespace {

using Clock = std::chrono::steady_clock;
using JsonObject = Poco::JSON::Object::Ptr;
using JsonArray = Poco::JSON::Array::Ptr;

// Node name -> node object, from a JSON array of registry nodes.
std::map<std::string, JsonObject> byName(const JsonArray& nodes) {
  std::map<std::string, JsonObject> out;
  for (size_t i = 0; nodes && i < nodes->size(); ++i) {
    JsonObject n = nodes->getObject(static_cast<unsigned>(i));
    if (n)
      out[n->optValue<std::string>("name", "")] = n;
  }
  return out;
}

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

std::string joinBody(const std::string& name, const std::string& host, int port,
                     const std::string& agents) {
  return R"({"id":")" + name + R"(","name":")" + name + R"(","host":")" + host + R"(","port":)" +
         std::to_string(port) + R"(,"agents":)" + agents + "}";
}

// node-c's entry as node-c itself wrote it: no forbidden join changed it.
void expectNodeCAsItRegistered(const std::string& storage) {
  JsonObject entry = registryEntry(storage, "node-c");
  ASSERT_TRUE(entry);
  EXPECT_EQ(entry->optValue<std::string>("host", ""), "127.0.0.1");
  EXPECT_EQ(strings(entry->getArray("agents")), std::vector<std::string>{"beta"});
}

// --- three nodes: echo on node-a, alpha (echo) on node-b, beta (command) on node-c --------------

class MeshRegistry : public ::testing::Test {
protected:
  static void SetUpTestSuite() {
    pki_ = std::make_unique<TestPki>();
    storage_ = std::make_unique<TempDir>();
    a_ = std::make_unique<MeshNode>(*pki_, storage_->path(), "node-a",
                                    "agents:\n  echo:\n    plugin: echo\n");
    b_ = std::make_unique<MeshNode>(*pki_, storage_->path(), "node-b",
                                    "agents:\n  alpha:\n    plugin: echo\n");
    c_ = std::make_unique<MeshNode>(*pki_, storage_->path(), "node-c",
                                    "agents:\n  beta:\n    plugin: command\n"
                                    "    argv: ['/bin/sh', '-c', 'read x; echo \"beta:$x\"']\n");
    started_ = a_->start() && b_->start() && c_->start();
  }
  static void TearDownTestSuite() {
    a_.reset();
    b_.reset();
    c_.reset();
    storage_.reset();
    pki_.reset();
  }
  void SetUp() override {
    ASSERT_TRUE(started_) << a_->output() << b_->output() << c_->output();
    for (MeshNode* n : {a_.get(), b_.get(), c_.get()})
      ASSERT_TRUE(n->process().running()) << n->name() << " is not running:\n" << n->output();
  }

  static std::unique_ptr<TestPki> pki_;
  static std::unique_ptr<TempDir> storage_;
  static std::unique_ptr<MeshNode> a_, b_, c_;
  static bool started_;
};

std::unique_ptr<TestPki> MeshRegistry::pki_;
std::unique_ptr<TempDir> MeshRegistry::storage_;
std::unique_ptr<MeshNode> MeshRegistry::a_, MeshRegistry::b_, MeshRegistry::c_;
bool MeshRegistry::started_ = false;

TEST_F(MeshRegistry, ListJsonShowsEveryOnlineNodeWithItsAgentsAndTheirDetails) {
  RunResult r = rivetctl(*a_, {"list", "--json"});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  auto nodes = byName(parseArray(r.out));
  ASSERT_EQ(nodes.size(), 3u) << r.out;
  const std::map<std::string, std::pair<const MeshNode*, std::string>> expected = {
      {"node-a", {a_.get(), "echo"}},
      {"node-b", {b_.get(), "alpha"}},
      {"node-c", {c_.get(), "beta"}}};
  for (const auto& [name, want] : expected) {
    SCOPED_TRACE(name);
    ASSERT_TRUE(nodes.count(name)) << r.out;
    JsonObject n = nodes[name];
    EXPECT_EQ(n->optValue<std::string>("id", ""), name);
    EXPECT_EQ(n->optValue<std::string>("status", ""), "online");
    EXPECT_EQ(n->optValue<std::string>("host", ""), "127.0.0.1");
    EXPECT_EQ(n->optValue<int>("port", 0), want.first->port());
    EXPECT_EQ(strings(n->getArray("agents")), std::vector<std::string>{want.second});
    JsonObject metadata = n->getObject("metadata");
    JsonObject details = metadata ? metadata->getObject("agentDetails") : nullptr;
    ASSERT_TRUE(details) << r.out;
    EXPECT_EQ(details->size(), 1u);
    ASSERT_TRUE(details->getObject(want.second)) << r.out;
  }
  EXPECT_EQ(nodes["node-c"]
                ->getObject("metadata")
                ->getObject("agentDetails")
                ->getObject("beta")
                ->optValue<std::string>("provider", ""),
            "command");
  EXPECT_EQ(nodes["node-b"]
                ->getObject("metadata")
                ->getObject("agentDetails")
                ->getObject("alpha")
                ->optValue<std::string>("provider", ""),
            "echo");
}

TEST_F(MeshRegistry, GetMeshReturnsEveryNodeOfTheRegistry) {
  HttpResponse r = call(*pki_, "node-b", *a_, "GET", "/api/mesh");
  EXPECT_EQ(r.status, 200);
  EXPECT_PRED2(contains, r.header("content-type"), "application/json");
  auto nodes = byName(parseArray(r.body));
  EXPECT_EQ(nodes.size(), 3u) << r.body;
  for (const char* name : {"node-a", "node-b", "node-c"}) {
    ASSERT_TRUE(nodes.count(name)) << r.body;
    EXPECT_EQ(nodes[name]->optValue<std::string>("status", ""), "online") << name;
  }
}

TEST_F(MeshRegistry, HeartbeatRefreshesEveryNodesLastSeen) {
  const std::string storage = storage_->path();
  std::map<std::string, int64_t> before;
  for (const char* name : {"node-a", "node-b", "node-c"})
    before[name] = lastSeenIn(storage, name);
  EXPECT_TRUE(eventually(
      [&] {
        for (const auto& [name, seen] : before)
          if (lastSeenIn(storage, name) <= seen)
            return false;
        return true;
      },
      1s))
      << readFile(storage + "/mesh.json");
}

TEST_F(MeshRegistry, JoinForAnotherNodesNameIsForbidden) {
  HttpResponse r = call(*pki_, "node-a", *b_, "POST", "/api/mesh/join",
                        joinBody("node-c", "10.9.9.9", 4000, R"(["evil"])"));
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(r.body, R"({"error":"Certificate CN node-a may not register node node-c"})");
  expectNodeCAsItRegistered(storage_->path());
}

TEST_F(MeshRegistry, JoinUnderAnotherNodesIdIsForbiddenEvenWithTheCallersName) {
  std::string body = R"({"id":"node-c","name":"node-a","host":"10.9.9.9","port":4000,)"
                     R"("agents":["evil"]})";
  HttpResponse r = call(*pki_, "node-a", *b_, "POST", "/api/mesh/join", body);
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(r.body, R"({"error":"Certificate CN node-a may not register node node-c"})");
  expectNodeCAsItRegistered(storage_->path());
}

TEST_F(MeshRegistry, JoinBodyOver64KiBIsRefusedWith413AndNothingIsWritten) {
  std::string body = R"({"id":"node-a","name":"node-a","host":"127.0.0.1","port":)" +
                     std::to_string(a_->port()) + R"(,"pad":")" + std::string(70000, 'x') + "\"}";
  HttpResponse r = call(*pki_, "node-a", *b_, "POST", "/api/mesh/join", body);
  EXPECT_EQ(r.status, 413);
  EXPECT_PRED2(contains, r.body, "Join body exceeds 64 KiB limit");
  EXPECT_FALSE(contains(readFile(storage_->path() + "/mesh.json"), "xxxxxxxx"));
}

TEST_F(MeshRegistry, JoinWithTooManyAgentsIsRefusedNamingTheField) {
  std::string agents = "[";
  for (int i = 0; i < 300; ++i)
    agents += (i ? ",\"a" : "\"a") + std::to_string(i) + "\"";
  HttpResponse r = call(*pki_, "node-a", *b_, "POST", "/api/mesh/join",
                        joinBody("node-a", "127.0.0.1", a_->port(), agents + "]"));
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body, R"({"error":"Invalid node field agents: at most 256 entries"})");
}

TEST_F(MeshRegistry, SelfJoinIsAcceptedAndAnswersTheWholeRegistry) {
  // node-c announces its own entry again, as it stands, through node-a.
  JsonObject own = registryEntry(storage_->path(), "node-c");
  ASSERT_TRUE(own);
  std::ostringstream body;
  own->stringify(body);
  size_t mark = a_->mark();
  HttpResponse r = call(*pki_, "node-c", *a_, "POST", "/api/mesh/join", body.str());
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body.rfind(R"({"status":"ok","nodes":[)", 0), 0u) << r.body;
  JsonObject answer = parseObject(r.body);
  ASSERT_TRUE(answer) << r.body;
  auto nodes = byName(answer->getArray("nodes"));
  EXPECT_EQ(nodes.size(), 3u) << r.body;
  ASSERT_TRUE(nodes.count("node-c")) << r.body;
  EXPECT_EQ(strings(nodes["node-c"]->getArray("agents")), std::vector<std::string>{"beta"});
  EXPECT_TRUE(logged(a_->outputSince(mark), "INFO",
                     "[AgentChannel] Mesh join: node-c (127.0.0.1:" + std::to_string(c_->port()) +
                         ") peer.cn=node-c"))
      << a_->outputSince(mark);
  JsonObject after = registryEntry(storage_->path(), "node-c");
  ASSERT_TRUE(after);
  EXPECT_EQ(after->optValue<std::string>("status", ""), "online");
  EXPECT_TRUE(after->getObject("metadata")) << "fields of the joined record are kept";
}

TEST_F(MeshRegistry, CleanStopMarksTheNodeOfflineAtOnce) {
  TempDir storage; // a registry of its own, so the three nodes above are not disturbed
  MeshNode d(*pki_, storage.path(), "node-d", "agents:\n  echo:\n    plugin: echo\n");
  ASSERT_TRUE(d.start()) << d.output();
  EXPECT_EQ(statusIn(storage.path(), "node-d"), "online");

  EXPECT_EQ(d.process().stop(5s), 0) << d.output();
  JsonObject entry = registryEntry(storage.path(), "node-d"); // read at once: no waiting
  ASSERT_TRUE(entry) << readFile(storage.path() + "/mesh.json");
  EXPECT_EQ(entry->optValue<std::string>("status", ""), "offline");
  EXPECT_EQ(strings(entry->getArray("agents")), std::vector<std::string>{"echo"});
}

} // namespace
