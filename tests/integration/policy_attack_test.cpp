// Attacks on the policy (docs/policy.md) by a node that holds a mesh certificate, against a
// real rivetd over mutual TLS: a `caller` claim the node does not believe must not take the
// sender out of the rules that name it, nor out of its own rate-limit bucket, and what the
// sender writes in fromAgent must neither forge log lines nor blow up the log and the answer.
#include "MeshNode.hpp"

#include <gtest/gtest.h>

#include <future>
#include <sstream>

namespace rivet::test {
namespace {

class PolicyAttack : public ::testing::Test {
protected:
  static void SetUpTestSuite() {
    pki_ = new TestPki;
    for (const char* n : {"node-x", "quarantine-1", "node-r", "node-l", "node-h", "storm"})
      pki_->issueNode(n);
    pki_->issueAgent("tester", "quarantine-1");
    NodeSettings s = nodeSettings(*pki_, "node-t");
    s.agentsYaml = "agents:\n  guarded: {plugin: echo}\n  open: {plugin: echo}\n";
    s.tailYaml = "policy:\n  rate_limit: {per_minute: 60, burst: 5}\n  agents:\n"
                 "    guarded: {deny: [node-x, node-l, node-h, storm]}\n"
                 "    \"*\": {deny: [\"quarantine-*\"]}\n";
    node_ = new NodeProcess(s);
  }
  static void TearDownTestSuite() {
    delete node_;
    delete pki_;
  }
  void SetUp() override { ASSERT_TRUE(node_->ready()) << node_->output(); }

  // POST `path` with `body` as the node whose certificate is `cert`.
  static HttpResponse post(const std::string& cert, const std::string& path,
                           const std::string& body) {
    TestTlsClient c(clientOptions(*pki_, cert, "node-t.mesh"));
    HttpResponse r;
    EXPECT_TRUE(c.connect(node_->port())) << c.error();
    EXPECT_TRUE(c.request("POST", path, body, r)) << c.error();
    return r;
  }
  static std::string body(const std::string& to, const std::string& caller,
                          const std::string& extra = "") {
    return "{\"fromAgent\":\"tester\",\"message\":\"hi\",\"toAgent\":\"" + to + "\"" +
           (caller.empty() ? "" : ",\"caller\":\"" + caller + "\"") + extra + "}";
  }

  static TestPki* pki_;
  static NodeProcess* node_;
};

TestPki* PolicyAttack::pki_ = nullptr;
NodeProcess* PolicyAttack::node_ = nullptr;

TEST_F(PolicyAttack, AClaimTheNodeDoesNotBelieveKeepsTheSenderUnderTheDenyRulesThatNameIt) {
  // Without a claim node-x is refused (the rule works) ...
  ASSERT_EQ(post("node-x", "/api/message", body("guarded", "")).status, 403);
  // ... and writing a `caller` field (node-x is no forwarder here) must not make it somebody
  // the deny rule does not name: "unknown", another node, or its own name in capitals.
  for (const std::string claim : {"unknown", "cn:node-b", "cn:NODE-X"}) {
    HttpResponse r = post("node-x", "/api/message", body("guarded", claim));
    EXPECT_EQ(r.status, 403) << "caller " << claim << " got past deny [node-x]: " << r.body;
    EXPECT_FALSE(contains(r.body, "\"status\":\"completed\"")) << claim << ": " << r.body;
  }
  // The same over the task API, and for the "*" entry's deny of docs/policy.md's example.
  HttpResponse t =
      post("node-x", "/api/tasks", body("guarded", "unknown", ",\"idempotencyKey\":\"atk-1\""));
  EXPECT_EQ(t.status, 403) << "the task API let node-x in as unknown: " << t.body;
  HttpResponse q = post("quarantine-1", "/api/message", body("open", "cn:node-b"));
  EXPECT_EQ(q.status, 403) << "quarantine-1 got past \"*\": deny [quarantine-*]: " << q.body;
}

TEST_F(PolicyAttack, AnAgentCertificateOfADeniedNodeIsStillThatNode) {
  // CN=tester@quarantine-1: an agent certificate of quarantine-1, which "*" denies.
  HttpResponse r = post("tester@quarantine-1", "/api/message", body("open", ""));
  EXPECT_EQ(r.status, 403) << "an agent certificate got past \"*\": deny [quarantine-*]: "
                           << r.body;
  HttpResponse t =
      post("tester@quarantine-1", "/api/tasks", body("open", "", ",\"idempotencyKey\":\"atk-2\""));
  EXPECT_EQ(t.status, 403) << t.body;
}

TEST_F(PolicyAttack, AClaimTheNodeDoesNotBelieveGivesTheSenderNoSecondRateBucket) {
  int ok = 0;
  for (int i = 0; i < 5; ++i) // the burst
    ok += post("node-r", "/api/message", body("open", "")).status == 200;
  ASSERT_EQ(ok, 5);
  HttpResponse plain = post("node-r", "/api/message", body("open", ""));
  ASSERT_EQ(plain.status, 429) << plain.body;
  // node-r is the sender either way: a claim it may not make must not refill it.
  HttpResponse claimed = post("node-r", "/api/message", body("open", "unknown"));
  EXPECT_EQ(claimed.status, 429) << "caller \"unknown\" gave node-r a fresh bucket: "
                                 << claimed.body;
}

TEST_F(PolicyAttack, ASighupStormKeepsTheNodeUpAndTheRulesInForce) {
  for (int i = 0; i < 300; ++i) {
    ::kill(node_->pid(), SIGHUP);
    std::this_thread::sleep_for(1ms);
  }
  for (int i = 0; i < 3; ++i) {
    HttpResponse r = post("storm", "/api/message", body("guarded", ""));
    EXPECT_EQ(r.status, 403) << r.body;
  }
  EXPECT_EQ(post("storm", "/api/message", body("open", "")).status, 200);
}

TEST_F(PolicyAttack, ANewlineInFromAgentDoesNotForgeALogLine) {
  size_t mark = node_->output().size();
  HttpResponse r = post("node-l", "/api/message",
                        "{\"fromAgent\":\"tester\\nERROR [Forged] rivetd compromised\","
                        "\"message\":\"hi\",\"toAgent\":\"guarded\"}");
  EXPECT_EQ(r.status, 403) << r.body;
  ASSERT_TRUE(node_->waitForOutputSince(mark, "Policy refused a task for guarded"))
      << node_->outputSince(mark);
  std::istringstream lines(node_->outputSince(mark));
  for (std::string line; std::getline(lines, line);)
    EXPECT_NE(line.rfind("ERROR [Forged]", 0), 0u)
        << "fromAgent wrote a line of its own into the log:\n"
        << node_->outputSince(mark);
}

TEST_F(PolicyAttack, AHugeFromAgentDoesNotBlowUpTheRefusalsLogLineOrItsAnswer) {
  const std::string huge(256 * 1024, 'a');
  size_t mark = node_->output().size();
  HttpResponse r =
      post("node-h", "/api/message",
           "{\"fromAgent\":\"" + huge + "\",\"message\":\"hi\",\"toAgent\":\"guarded\"}");
  EXPECT_EQ(r.status, 403) << r.body.substr(0, 300);
  EXPECT_LT(r.body.size(), 4096u) << "the 403 echoes all of fromAgent back";
  ASSERT_TRUE(node_->waitForOutputSince(mark, "Policy refused a task for guarded"));
  EXPECT_LT(node_->outputSince(mark).size(), 16u * 1024)
      << "one refusal logged " << node_->outputSince(mark).size() << " bytes";
}

// --- across nodes: node-x goes through node-a (no forwarder of node-b) to node-b ----------

// Resident memory of process `pid` in KiB (VmRSS of /proc/<pid>/status).
long residentKib(int pid) {
  std::istringstream in(readFile("/proc/" + std::to_string(pid) + "/status"));
  for (std::string line; std::getline(in, line);)
    if (line.rfind("VmRSS:", 0) == 0)
      return std::stol(line.substr(6));
  return -1;
}

class PolicyAttackMesh : public ::testing::Test {
protected:
  static void SetUpTestSuite() {
    pki_ = std::make_unique<TestPki>();
    pki_->issueNode("node-x");
    pki_->issueNode("gw");
    storage_ = std::make_unique<TempDir>();
    a_ = std::make_unique<MeshNode>(*pki_, storage_->path(), "node-a",
                                    "agents:\n  front: {plugin: echo}\n"
                                    "policy:\n  forwarders: [gw]\n");
    b_ = std::make_unique<MeshNode>(
        *pki_, storage_->path(), "node-b",
        "agents:\n  opus: {plugin: echo}\n  closed: {plugin: echo}\n  inner: {plugin: echo}\n"
        "policy:\n  agents:\n    opus: {deny: [node-x]}\n"
        "    closed: {allow: [node-z]}\n    inner: {allow: [node-a]}\n");
    started_ = a_->start() && b_->start();
  }
  static void TearDownTestSuite() {
    a_.reset();
    b_.reset();
    storage_.reset();
    pki_.reset();
  }
  void SetUp() override {
    ASSERT_TRUE(started_) << a_->output() << b_->output();
    ASSERT_TRUE(eventually(
        [] {
          return rivetctl(*a_, {"send", "closed", "hi"}).exitCode != 0 &&
                 contains(a_->output(), "Delegating to closed remotely");
        },
        5s))
        << a_->output();
  }
  static HttpResponse send(int port, const std::string& expect, const std::string& body,
                           const std::string& cert = "node-x") {
    TestTlsClient c(clientOptions(*pki_, cert, expect));
    HttpResponse r;
    EXPECT_TRUE(c.connect(port)) << c.error();
    EXPECT_TRUE(c.request("POST", "/api/message", body, r)) << c.error();
    return r;
  }
  static std::string message(const std::string& to, const std::string& from = "tester") {
    return "{\"fromAgent\":\"" + from + "\",\"message\":\"hi\",\"toAgent\":\"" + to + "\"}";
  }

  static std::unique_ptr<TestPki> pki_;
  static std::unique_ptr<TempDir> storage_;
  static std::unique_ptr<MeshNode> a_, b_;
  static bool started_;
};

std::unique_ptr<TestPki> PolicyAttackMesh::pki_;
std::unique_ptr<TempDir> PolicyAttackMesh::storage_;
std::unique_ptr<MeshNode> PolicyAttackMesh::a_, PolicyAttackMesh::b_;
bool PolicyAttackMesh::started_ = false;

TEST_F(PolicyAttackMesh, ANodeDeniedAnAgentDoesNotGetInByGoingThroughANodeThatIsNoForwarder) {
  HttpResponse direct = send(b_->port(), "node-b.mesh", message("opus"));
  ASSERT_EQ(direct.status, 403) << direct.body;
  // node-a forwards it honestly with caller "cn:node-x"; node-b does not believe node-a, and
  // must not take that as leave to run opus for somebody its deny rule does not name.
  HttpResponse via = send(a_->port(), "node-a.mesh", message("opus"));
  EXPECT_EQ(via.status, 403) << "node-x ran opus on node-b through node-a: " << via.body;
  EXPECT_FALSE(contains(via.body, "\"status\":\"completed\"")) << via.body;
}

TEST_F(PolicyAttackMesh, AForwarderCannotMakeTheNodeItForwardsToActAsItselfElsewhere) {
  // node-a believes gw's callers; node-b runs inner for node-a only. gw saying "node-a itself
  // asks" (a task node-a never receives from a forwarder) must not send it on as node-a's own.
  HttpResponse r = send(a_->port(), "node-a.mesh",
                        "{\"fromAgent\":\"tester\",\"message\":\"hi\",\"toAgent\":\"inner\","
                        "\"caller\":\"cn:node-a\"}",
                        "gw");
  EXPECT_NE(r.status, 200) << "gw ran node-b's inner with node-a's authority: " << r.body;
  EXPECT_FALSE(contains(r.body, "\"status\":\"completed\"")) << r.body;
}

TEST_F(PolicyAttackMesh, RefusalsRememberedForHugeFromAgentsDoNotGrowTheSendersMemory) {
  // node-b refuses closed to everybody but node-z; node-a remembers each refusal for its asker.
  const std::string pad(1024 * 1024, 'p');
  for (int i = 0; i < 16; ++i) // warm-up: the same asker, so one remembered refusal
    ASSERT_EQ(send(a_->port(), "node-a.mesh", message("closed", "same" + pad)).status, 403);
  const long before = residentKib(a_->process().pid());
  for (int i = 0; i < 64; ++i) // 64 askers of 1 MiB each
    ASSERT_EQ(send(a_->port(), "node-a.mesh", message("closed", std::to_string(i) + pad)).status,
              403);
#if defined(RIVET_ASAN)
  // ASan keeps freed memory in its quarantine (hundreds of MB): RSS measures the sanitizer.
  GTEST_SKIP() << "RSS bound not measured under ASan (its quarantine holds freed bodies); the "
                  "refusals above were answered";
#endif
  const long grown = residentKib(a_->process().pid()) - before;
  EXPECT_LT(grown, 24 * 1024) << "node-a keeps " << grown
                              << " KiB more after 64 refusals of 1 MiB askers (of 4096 kept)";
}

// --- the queue: a waiter whose caller has gone ---------------------------------------------

class PolicyAttackQueue : public ::testing::Test {
protected:
  static void SetUpTestSuite() {
    pki_ = new TestPki;
    for (const char* n : {"holder", "leaver", "third"})
      pki_->issueNode(n);
    NodeSettings s = nodeSettings(*pki_, "node-q");
    s.agentsYaml = "agents:\n" + commandAgent("slow", "sleep 2; echo slow done");
    s.tailYaml = "policy:\n  agents:\n    slow: {max_concurrent: 1, queue: 1}\n";
    node_ = new NodeProcess(s);
  }
  static void TearDownTestSuite() {
    delete node_;
    delete pki_;
  }
  void SetUp() override { ASSERT_TRUE(node_->ready()) << node_->output(); }
  static std::string slow(int64_t timeoutMs) {
    return "{\"fromAgent\":\"tester\",\"message\":\"hi\",\"toAgent\":\"slow\",\"timeoutMs\":" +
           std::to_string(timeoutMs) + "}";
  }
  static HttpResponse post(const std::string& cert, const std::string& body) {
    TestTlsClient c(clientOptions(*pki_, cert, "node-q.mesh"));
    HttpResponse r;
    EXPECT_TRUE(c.connect(node_->port())) << c.error();
    EXPECT_TRUE(c.request("POST", "/api/message", body, r)) << c.error();
    return r;
  }
  static TestPki* pki_;
  static NodeProcess* node_;
};

TestPki* PolicyAttackQueue::pki_ = nullptr;
NodeProcess* PolicyAttackQueue::node_ = nullptr;

TEST_F(PolicyAttackQueue, ACancelledWaiterOfTheTaskApiLeavesTheQueueAtOnce) {
  size_t mark = node_->output().size();
  auto held = std::async(std::launch::async, [] { return post("holder", slow(10000)); });
  ASSERT_TRUE(node_->waitForOutputSince(mark, "Delegating to slow locally"));
  TestTlsClient c(clientOptions(*pki_, "leaver", "node-q.mesh"));
  ASSERT_TRUE(c.connect(node_->port())) << c.error();
  HttpResponse sub;
  const std::string b = slow(60000);
  ASSERT_TRUE(c.request("POST", "/api/tasks",
                        b.substr(0, b.size() - 1) + ",\"idempotencyKey\":\"wait-1\"}", sub));
  ASSERT_EQ(sub.status, 202) << sub.body;
  JsonObject task = parseObject(sub.body);
  ASSERT_TRUE(task) << sub.body;
  HttpResponse cancel;
  ASSERT_TRUE(
      c.request("POST", "/api/tasks/" + task->getValue<std::string>("id") + "/cancel", "", cancel));
  std::this_thread::sleep_for(300ms);
  HttpResponse third = post("third", slow(10000));
  EXPECT_NE(third.status, 429) << "a cancelled waiter still holds the queue: " << third.body;
  EXPECT_EQ(held.get().status, 200);
}

TEST(PolicyAttackShutdown, TasksWaitingForAPlaceDoNotHoldUpAStop) {
  TestPki pki;
  pki.issueNode("holder");
  pki.issueNode("waiter");
  NodeSettings s = nodeSettings(pki, "node-s");
  s.agentsYaml = "agents:\n" + commandAgent("slow", "sleep 30; echo slow done");
  s.tailYaml = "policy:\n  agents:\n    slow: {max_concurrent: 1, queue: 4}\n";
  NodeProcess node(s);
  ASSERT_TRUE(node.ready()) << node.output();
  auto post = [&](const std::string& cert) {
    TestTlsClient c(clientOptions(pki, cert, "node-s.mesh"));
    HttpResponse r;
    if (c.connect(node.port()))
      c.request("POST", "/api/message",
                "{\"fromAgent\":\"t\",\"message\":\"hi\",\"toAgent\":\"slow\",\"timeoutMs\":60000}",
                r);
    return r;
  };
  auto running = std::async(std::launch::async, [&] { return post("holder"); });
  ASSERT_TRUE(node.waitForOutput("Delegating to slow locally"));
  std::vector<std::future<HttpResponse>> waiting;
  for (int i = 0; i < 3; ++i)
    waiting.push_back(std::async(std::launch::async, [&] { return post("waiter"); }));
  std::this_thread::sleep_for(500ms);
  auto t0 = Clock::now();
  ::kill(node.pid(), SIGTERM);
  node.process().wait(20s);
  EXPECT_LT(Clock::now() - t0, 15s) << "the stop waited for the queue: " << node.output();
  running.get();
  for (auto& w : waiting)
    w.get();
}

// --- the queue: waiters must not take every request thread of the node ----------------------

TEST(PolicyAttackThreads, ACallerFillingOneAgentsQueueDoesNotStopTheRestOfTheNode) {
  TestPki pki;
  pki.issueNode("filler");
  pki.issueNode("other");
  NodeSettings s = nodeSettings(pki, "node-w");
  s.meshYaml = "  agent_workers: 4\n"; // 64 request threads, 4 agent workers
  s.agentsYaml = "agents:\n" + commandAgent("slow", "sleep 4; echo slow done") +
                 commandAgent("quick", "echo quick done");
  // The most the loader admits: half of the 64 request threads (queue: 200 is refused at start).
  s.tailYaml = "policy:\n  agents:\n    slow: {max_concurrent: 1, queue: 32}\n";
  NodeProcess node(s);
  ASSERT_TRUE(node.ready()) << node.output();
  auto post = [&](const std::string& cert, const std::string& to, int64_t timeoutMs) {
    TestTlsClient c(clientOptions(pki, cert, "node-w.mesh"));
    HttpResponse r;
    if (c.connect(node.port()))
      c.request("POST", "/api/message",
                "{\"fromAgent\":\"t\",\"message\":\"hi\",\"toAgent\":\"" + to +
                    "\",\"timeoutMs\":" + std::to_string(timeoutMs) + "}",
                r);
    return r;
  };
  // 80 tasks for slow: one runs, 32 wait, the rest get 429 at once, with one worker of four
  // busy and 31 request threads of 64 left to the others.
  std::vector<std::future<HttpResponse>> waiting;
  for (int i = 0; i < 80; ++i)
    waiting.push_back(std::async(std::launch::async, [&] { return post("filler", "slow", 3500); }));
  std::this_thread::sleep_for(1500ms);
  HttpResponse quick = post("other", "quick", 2000);
  EXPECT_EQ(quick.status, 200) << "another caller of another agent: " << quick.body;
  std::map<int, int> statuses;
  for (auto& w : waiting)
    ++statuses[w.get().status];
  std::string seen;
  for (auto [status, n] : statuses)
    seen += " " + std::to_string(n) + "×" + std::to_string(status);
  EXPECT_FALSE(statuses.count(0)) << "the slow callers got:" << seen;
  EXPECT_GE(statuses[429], 40) << "beyond the queue, 429 at once:" << seen;
  RecordProperty("slow", seen);
  std::cerr << "slow callers:" << seen << "\n";
}

} // namespace
} // namespace rivet::test
