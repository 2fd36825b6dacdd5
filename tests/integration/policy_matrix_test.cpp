// Who may call whom (docs/policy.md), against a real rivetd over mutual TLS: every rule shape
// against every kind of caller, as Istio's own tests do it: the status, the log line, the
// answer's body, the task API refusing before anything is recorded, and `rivetctl policy check`
// agreeing with the node for every cell.
#include "MeshNode.hpp"

#include <gtest/gtest.h>

namespace rivet::test {
namespace {

struct Shape {
  std::string agent; // an echo agent with these rules
  std::string rules; // its policy entry, flow style
};

// The rule shapes of issue 13.
const std::vector<Shape> kShapes = {
    {"none", ""},
    {"allow-node", "{allow: [node-b]}"},
    {"allow-agent", "{allow: [\"planner@node-b\"]}"},
    {"wildcard", "{allow: [\"planner@*\"]}"},
    {"deny-beats-allow", "{allow: [\"*\"], deny: [node-b]}"},
    {"audit", "{allow: [node-b], mode: audit}"},
};

struct Who {
  std::string name; // for messages
  std::string cert; // the certificate's node
  std::string agent;
};

// The callers of issue 13.
const std::vector<Who> kCallers = {
    {"allowed node", "node-b", "coder"},
    {"other node", "node-x", "coder"},
    {"allowed agent on a wrong node", "node-x", "planner"},
    {"claimed agent on an allowed node", "node-b", "planner"},
};

// Expected: 'A' allowed, 'D' denied (403), 'W' would deny in audit mode (runs, logs it).
const std::map<std::string, std::string> kExpected = {
    {"none", "AAAA"},     {"allow-node", "ADDA"},       {"allow-agent", "DDDA"},
    {"wildcard", "DDAA"}, {"deny-beats-allow", "DAAD"}, {"audit", "AWWA"},
};

class PolicyMatrix : public ::testing::Test {
protected:
  static void SetUpTestSuite() {
    pki_ = new TestPki;
    pki_->issueNode("node-b");
    pki_->issueNode("node-x");
    NodeSettings s = nodeSettings(*pki_, "node-t");
    s.agentsYaml = "agents:\n";
    std::string policy = "policy:\n  agents:\n";
    for (const auto& shape : kShapes) {
      s.agentsYaml += "  " + shape.agent + ": {plugin: echo}\n";
      if (!shape.rules.empty())
        policy += "    " + shape.agent + ": " + shape.rules + "\n";
    }
    s.tailYaml = policy;
    node_ = new NodeProcess(s);
  }
  static void TearDownTestSuite() {
    delete node_;
    delete pki_;
  }
  void SetUp() override { ASSERT_TRUE(node_->ready()) << node_->output(); }

  static HttpResponse send(const Who& who, const std::string& path, const std::string& agent) {
    TestTlsClient c(clientOptions(*pki_, who.cert, "node-t.mesh"));
    HttpResponse r;
    EXPECT_TRUE(c.connect(node_->port())) << c.error();
    std::string body =
        "{\"fromAgent\":\"" + who.agent + "\",\"message\":\"hi\",\"toAgent\":\"" + agent + "\"" +
        (path == "/api/tasks"
             ? ",\"idempotencyKey\":\"k-" + agent + "-" + who.agent + "-" + who.cert + "\""
             : "") +
        "}";
    EXPECT_TRUE(c.request("POST", path, body, r)) << c.error();
    return r;
  }

  static TestPki* pki_;
  static NodeProcess* node_;
};

TestPki* PolicyMatrix::pki_ = nullptr;
NodeProcess* PolicyMatrix::node_ = nullptr;

TEST_F(PolicyMatrix, EveryRuleShapeAgainstEveryCallerGivesTheStatusAndTheLogLine) {
  for (const auto& shape : kShapes)
    for (size_t i = 0; i < kCallers.size(); ++i) {
      const Who& who = kCallers[i];
      const char want = kExpected.at(shape.agent)[i];
      const std::string cell = shape.agent + " × " + who.name;
      size_t mark = node_->output().size();
      HttpResponse r = send(who, "/api/message", shape.agent);
      const std::string caller = who.agent + "@" + who.cert;
      if (want == 'D') {
        EXPECT_EQ(r.status, 403) << cell << ": " << r.body;
        EXPECT_TRUE(
            contains(r.body, shape.agent == "deny-beats-allow" ? "a deny rule" : "no allow rule"))
            << cell << ": " << r.body;
        EXPECT_FALSE(contains(r.body, "node-b\"") || contains(r.body, "planner@*")) // no rules
            << cell << ": the answer shows the policy: " << r.body;
        EXPECT_TRUE(node_->waitForOutputSince(mark, "Policy refused a task for " + shape.agent +
                                                        " from " + caller))
            << cell << node_->outputSince(mark);
        std::string log = node_->outputSince(mark);
        EXPECT_TRUE(contains(log, "peer.cn=" + who.cert) && contains(log, "fromAgent=" + who.agent))
            << cell << log;
      } else {
        EXPECT_EQ(r.status, 200) << cell << ": " << r.body;
        EXPECT_TRUE(contains(r.body, "\"status\":\"completed\"")) << cell << ": " << r.body;
        std::string log = node_->outputSince(mark);
        EXPECT_FALSE(contains(log, "Policy refused")) << cell << log;
        if (want == 'W')
          EXPECT_TRUE(contains(log, "Policy would deny a task for " + shape.agent + " from " +
                                        caller + " and lets it run (audit mode)"))
              << cell << log;
        else
          EXPECT_FALSE(contains(log, "Policy would deny")) << cell << log;
      }
    }
}

TEST_F(PolicyMatrix, TheTaskApiRefusesTheSameCellsBeforeRecordingATask) {
  for (const auto& shape : kShapes)
    for (size_t i = 0; i < kCallers.size(); ++i) {
      const char want = kExpected.at(shape.agent)[i];
      HttpResponse r = send(kCallers[i], "/api/tasks", shape.agent);
      const std::string cell = shape.agent + " × " + kCallers[i].name;
      if (want == 'D') {
        EXPECT_EQ(r.status, 403) << cell << ": " << r.body;
        EXPECT_FALSE(contains(r.body, "\"id\"")) << cell << ": " << r.body;
      } else {
        EXPECT_EQ(r.status, 202) << cell << ": " << r.body;
      }
    }
  // Nothing was recorded for the refused ones: node-x's list holds only what it was allowed.
  TestTlsClient c(clientOptions(*pki_, "node-x", "node-t.mesh"));
  ASSERT_TRUE(c.connect(node_->port())) << c.error();
  HttpResponse list;
  ASSERT_TRUE(c.request("GET", "/api/tasks?limit=100", "", list));
  size_t n = 0;
  for (size_t at = list.body.find("\"id\":"); at != std::string::npos;
       at = list.body.find("\"id\":", at + 1))
    ++n;
  size_t allowedForX = 0;
  for (const auto& [agent, cells] : kExpected)
    allowedForX += (cells[1] != 'D') + (cells[2] != 'D');
  EXPECT_EQ(n, allowedForX) << list.body;
}

TEST_F(PolicyMatrix, PolicyCheckAgreesWithTheNodeForEveryCell) {
  for (const auto& shape : kShapes)
    for (size_t i = 0; i < kCallers.size(); ++i) {
      const Who& who = kCallers[i];
      const char want = kExpected.at(shape.agent)[i];
      RunResult r = run({binPath("rivetctl"), "--config", node_->configPath(), "policy", "check",
                         who.agent + "@" + who.cert, shape.agent + "@node-t"});
      const std::string cell = shape.agent + " × " + who.name;
      const std::string word = want == 'A' ? "allowed" : want == 'D' ? "denied" : "audit-denied";
      EXPECT_EQ(r.exitCode, want == 'D' ? 1 : 0) << cell << ": " << r.out << r.err;
      const std::string first = r.out.substr(0, r.out.find_first_of(" :"));
      EXPECT_EQ(first, word) << cell << ": " << r.out << r.err;
    }
}

} // namespace
} // namespace rivet::test
