// Delegation across real rivetd processes sharing one mesh.json (docs/protocol.md §3, §5):
// forwarding, offline and stale hosts, failover without double delivery, chain depth, deadlines,
// busy pool.
#include "MeshNode.hpp"

#include <gtest/gtest.h>

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <future>
#include <memory>
#include <sstream>
#include <thread>

using namespace rivet::test;
using namespace std::chrono_literals;

namespace {

using Clock = std::chrono::steady_clock;
using JsonObject = Poco::JSON::Object::Ptr;

int64_t msSince(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t).count();
}

// POST /api/message to `node` over mTLS, presenting the node's own certificate.
HttpResponse postMessage(const TestPki& pki, const MeshNode& node, const std::string& body) {
  TlsClientOptions o = clientOptions(pki, node.name(), node.name() + ".mesh");
  o.timeout = 15s;
  TestTlsClient client(o);
  HttpResponse response;
  if (!client.connect(node.port()) || !client.request("POST", "/api/message", body, response))
    ADD_FAILURE() << "POST /api/message to " << node.name() << ": " << client.error();
  return response;
}

std::string messageBody(const std::string& toAgent, const std::string& extra = "") {
  return R"({"fromAgent":"tester","message":"the task","toAgent":")" + toAgent + "\"" + extra + "}";
}

std::string field(const HttpResponse& r, const std::string& name) {
  JsonObject o = parseObject(r.body);
  return o ? o->optValue<std::string>(name, "") : "";
}

// --- three nodes: echo on node-a, alpha (echo) on node-b, beta and depth (command) on node-c --

class MeshDelegation : public ::testing::Test {
protected:
  static void SetUpTestSuite() {
    pki_ = std::make_unique<TestPki>();
    storage_ = std::make_unique<TempDir>();
    a_ = std::make_unique<MeshNode>(*pki_, storage_->path(), "node-a",
                                    "agents:\n  echo:\n    plugin: echo\n");
    b_ = std::make_unique<MeshNode>(*pki_, storage_->path(), "node-b",
                                    "agents:\n  alpha:\n    plugin: echo\n");
    c_ = std::make_unique<MeshNode>(
        *pki_, storage_->path(), "node-c",
        "agents:\n"
        "  beta:\n    plugin: command\n"
        "    argv: ['/bin/sh', '-c', 'read x; echo \"beta:$x\"']\n"
        "  depth:\n    plugin: command\n"
        "    argv: ['/bin/sh', '-c', 'echo \"depth=$RIVET_CHAIN_DEPTH\"']\n"
        "  slow:\n    plugin: command\n"
        "    argv: ['/bin/sh', '-c', 'sleep 1.5; echo slept']\n");
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

std::unique_ptr<TestPki> MeshDelegation::pki_;
std::unique_ptr<TempDir> MeshDelegation::storage_;
std::unique_ptr<MeshNode> MeshDelegation::a_, MeshDelegation::b_, MeshDelegation::c_;
bool MeshDelegation::started_ = false;

TEST_F(MeshDelegation, SendThroughOneNodeRunsTheAgentHostedOnAnother) {
  size_t markA = a_->mark(), markB = b_->mark();
  RunResult r = rivetctl(*a_, {"send", "alpha", "hi"});
  EXPECT_EQ(r.exitCode, 0) << r.err;
  EXPECT_EQ(r.out, "hi\n");
  EXPECT_TRUE(logged(a_->outputSince(markA), "INFO",
                     "[MeshDelegation] Delegating to alpha remotely via node-b (127.0.0.1:" +
                         std::to_string(b_->port()) + ")"))
      << a_->outputSince(markA);
  EXPECT_TRUE(logged(b_->outputSince(markB), "INFO",
                     "[AgentChannel] Received mesh delegation peer.cn=node-a from rivetctl → "
                     "alpha: [Mesh delegation] hi"))
      << b_->outputSince(markB);
}

TEST_F(MeshDelegation, SendReachesACommandAgentOnAThirdNode) {
  RunResult r = rivetctl(*a_, {"send", "beta", "hi"});
  EXPECT_EQ(r.exitCode, 0) << r.err;
  EXPECT_EQ(r.out, "beta:hi\n");
}

TEST_F(MeshDelegation, UnknownAgentIs404NamingEveryAgentYouCanDelegateTo) {
  HttpResponse r = postMessage(*pki_, *a_, messageBody("gamma"));
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.body, R"({"error":"Agent \"gamma\" not found locally or in the mesh. )"
                    R"(Agents you can delegate to: alpha, beta, depth, echo, slow"})");
}

TEST_F(MeshDelegation, ChainDepthAtTheLimitRunsAndOnePastItIsRejectedNamingTheKey) {
  HttpResponse atLimit = postMessage(*pki_, *a_, messageBody("echo", R"(,"chainDepth":3)"));
  EXPECT_EQ(field(atLimit, "status"), "completed") << atLimit.body;
  HttpResponse r = postMessage(*pki_, *a_, messageBody("echo", R"(,"chainDepth":4)"));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(field(r, "status"), "rejected");
  EXPECT_EQ(field(r, "agent"), "echo");
  EXPECT_EQ(field(r, "response"),
            "Delegation chain depth limit reached (3). Chain: tester → echo at depth 4. Increase "
            "mesh.max_chain_depth in config if deeper chains are needed.");
}

TEST_F(MeshDelegation, ForwardingToTheHostingNodeKeepsTheDepth) {
  HttpResponse r = postMessage(*pki_, *a_, messageBody("depth", R"(,"chainDepth":1)"));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(field(r, "status"), "completed") << r.body;
  EXPECT_EQ(field(r, "response"), "depth=1");
}

// The entry node forwards on its transport's I/O loop (ABI 1.6): requests waiting for another
// node's answer hold no thread of it, however many there are.
TEST_F(MeshDelegation, ForwardsWaitingForAnotherNodeHoldNoThreadOfTheEntryNode) {
  auto threads = [&] {
    size_t n = 0;
    for (const auto& e : std::filesystem::directory_iterator(
             "/proc/" + std::to_string(a_->process().pid()) + "/task")) {
      (void)e;
      ++n;
    }
    return n;
  };
  const size_t before = threads();
  std::vector<std::future<HttpResponse>> sent;
  for (int i = 0; i < 16; ++i)
    sent.push_back(std::async(std::launch::async,
                              [] { return postMessage(*pki_, *a_, messageBody("slow")); }));
  std::this_thread::sleep_for(800ms); // all sent, node-c's agent still sleeping
  const size_t during = threads();
  for (auto& f : sent) {
    HttpResponse r = f.get();
    EXPECT_EQ(field(r, "response"), "slept") << r.status << " " << r.body;
  }
  EXPECT_LE(during, before + 3) << "a thread per forwarded request on the entry node";
}

TEST_F(MeshDelegation, ForwardPastTheLimitIsRejectedBeforeItLeavesTheEntryNode) {
  size_t markB = b_->mark();
  HttpResponse r = postMessage(*pki_, *a_, messageBody("alpha", R"(,"chainDepth":4)"));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(field(r, "status"), "rejected") << r.body;
  EXPECT_EQ(field(r, "response"),
            "Delegation chain depth limit reached (3). Chain: tester → alpha at depth 4. Increase "
            "mesh.max_chain_depth in config if deeper chains are needed.");
  EXPECT_FALSE(contains(b_->outputSince(markB), "Received mesh delegation"));
}

TEST_F(MeshDelegation, TaskWhosePathAlreadyHoldsTheAgentHereIsRefusedAsACycle) {
  HttpResponse r =
      postMessage(*pki_, *b_, messageBody("alpha", R"(,"path":["x@node-c","alpha@node-b"])"));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(field(r, "status"), "rejected") << r.body;
  EXPECT_EQ(field(r, "response"), "Delegation cycle refused: alpha@node-b is already on this "
                                  "task's path (x@node-c → alpha@node-b → alpha@node-b)");
}

TEST_F(MeshDelegation, MalformedPathIsA400) {
  for (const std::string path :
       {R"("x@y")", R"([1])", R"(["nobody"])", R"(["@node"])", R"(["a@"])", R"({"a":"b@c"})"}) {
    HttpResponse r = postMessage(*pki_, *a_, messageBody("echo", R"(,"path":)" + path));
    EXPECT_EQ(r.status, 400) << path;
    EXPECT_EQ(r.body, R"({"error":"path must be an array of at most 64 \"agent@node\" strings"})");
  }
  std::string many = "[";
  for (int i = 0; i < 65; ++i)
    many += std::string(i ? "," : "") + "\"a" + std::to_string(i) + "@n\"";
  HttpResponse r = postMessage(*pki_, *a_, messageBody("echo", R"(,"path":)" + many + "]"));
  EXPECT_EQ(r.status, 400) << "65 hops";
}

TEST_F(MeshDelegation, KilledNodeGoesOfflineAfterTheStaleThresholdAndServesAgainOnceRestarted) {
  const std::string storage = storage_->path();
  size_t markA = a_->mark(), markC = c_->mark();
  auto killed = Clock::now();
  b_->kill();

  ASSERT_TRUE(eventually([&] { return statusIn(storage, "node-b") == "offline"; }, 4s))
      << readFile(storage + "/mesh.json");
  EXPECT_GE(msSince(killed), 1000) << "marked offline before the 1500 ms stale threshold";
  EXPECT_TRUE(eventually(
      [&] {
        return logged(a_->outputSince(markA) + c_->outputSince(markC), "WARN",
                      "[Mesh] Node stale: node-b (node-b) — last seen ");
      },
      1s));
  EXPECT_EQ(statusIn(storage, "node-a"), "online");
  EXPECT_EQ(statusIn(storage, "node-c"), "online");

  RunResult refused = rivetctl(*a_, {"send", "alpha", "hi"});
  EXPECT_EQ(refused.exitCode, 1);
  EXPECT_EQ(refused.out, "");
  EXPECT_PRED2(contains, refused.err,
               "answered HTTP 503: Agent \"alpha\" is hosted only on nodes that are offline: "
               "node-b\n");

  ASSERT_TRUE(b_->start()) << b_->output();
  EXPECT_EQ(statusIn(storage, "node-b"), "online");
  RunResult again;
  EXPECT_TRUE(eventually(
      [&] {
        again = rivetctl(*a_, {"send", "alpha", "again"});
        return again.exitCode == 0;
      },
      3s))
      << again.err;
  EXPECT_EQ(again.out, "again\n");
}

// --- failover: alpha on node-f2 and node-f3, asked through node-f1 -----------------------------

class MeshFailover : public ::testing::Test {
protected:
  static void SetUpTestSuite() { pki_ = std::make_unique<TestPki>(); }
  static void TearDownTestSuite() { pki_.reset(); }
  void TearDown() override {
    f1_.reset();
    f2_.reset();
    f3_.reset();
    for (const char* node : {"node-f2", "node-f3"}) { // alpha runs a killed node left behind
      std::string pid = readFile(work_.file(std::string(node) + ".pid"));
      if (!pid.empty() && std::stoi(pid) > 1)
        ::kill(-std::stoi(pid), SIGKILL);
    }
  }

  // Starts the three nodes; alpha records every run in `deliveries`, waits `pauseSeconds`, then
  // answers with its node's name. node-f2 heartbeats every 100 ms, node-f3 every 1000 ms.
  bool startMesh(int pauseSeconds) {
    writeFile(work_.file("alpha.sh"),
              "read x\n"
              "echo \"$ALPHA_NODE:$x\" >> " +
                  deliveries() + "\necho $$ > " + work_.path() + "/$ALPHA_NODE.pid\nsleep " +
                  std::to_string(pauseSeconds) + "\necho \"served by $ALPHA_NODE\"\n");
    auto alpha = [&](const std::string& node) {
      return "agents:\n  alpha:\n    plugin: command\n    argv: ['/bin/sh', '" +
             work_.file("alpha.sh") + "']\n    env: { ALPHA_NODE: " + node + " }\n";
    };
    const std::string storage = work_.file("shared");
    f1_ = std::make_unique<MeshNode>(*pki_, storage, "node-f1",
                                     "agents:\n  echo:\n    plugin: echo\n",
                                     "  heartbeat_interval_ms: 250\n  stale_threshold_ms: 3000\n");
    f2_ = std::make_unique<MeshNode>(*pki_, storage, "node-f2", alpha("node-f2"),
                                     "  heartbeat_interval_ms: 100\n  stale_threshold_ms: 3000\n");
    f3_ = std::make_unique<MeshNode>(*pki_, storage, "node-f3", alpha("node-f3"),
                                     "  heartbeat_interval_ms: 1000\n  stale_threshold_ms: 3000\n");
    return f1_->start() && f2_->start() && f3_->start();
  }

  // Waits for node-f3's heartbeat, then for node-f2's next one: for the next ~800 ms node-f2 is
  // the most recently seen host of alpha, so it is the first candidate.
  bool makeNodeF2TheFirstCandidate() {
    const std::string storage = work_.file("shared");
    int64_t before = lastSeenIn(storage, "node-f3");
    if (!eventually([&] { return lastSeenIn(storage, "node-f3") != before; }, 2s))
      return false;
    int64_t f3 = lastSeenIn(storage, "node-f3");
    return eventually([&] { return lastSeenIn(storage, "node-f2") > f3; }, 1s);
  }

  std::string deliveries() const { return work_.file("deliveries.txt"); }

  static std::unique_ptr<TestPki> pki_;
  TempDir work_;
  std::unique_ptr<MeshNode> f1_, f2_, f3_;
};

std::unique_ptr<TestPki> MeshFailover::pki_;

TEST_F(MeshFailover, UnreachableFirstCandidateIsSkippedAndTheTaskRunsOnceOnTheNext) {
  ASSERT_TRUE(startMesh(0)) << f1_->output() << f2_->output() << f3_->output();
  ASSERT_TRUE(makeNodeF2TheFirstCandidate()) << readFile(work_.file("shared/mesh.json"));
  f2_->kill(); // its registry entry is still fresh
  size_t mark = f1_->mark();

  RunResult r = rivetctl(*f1_, {"send", "alpha", "task-1"});
  EXPECT_EQ(r.exitCode, 0) << r.err;
  EXPECT_EQ(r.out, "served by node-f3\n");
  std::string log = f1_->outputSince(mark);
  size_t first = log.find("Delegating to alpha remotely via node-f2");
  size_t warn =
      log.find("[MeshDelegation] Remote delegation to alpha on node-f2 (127.0.0.1) failed: ");
  size_t second = log.find("Delegating to alpha remotely via node-f3");
  ASSERT_NE(first, std::string::npos) << log;
  EXPECT_NE(warn, std::string::npos) << log;
  EXPECT_TRUE(logged(
      log, "WARN",
      "on node-f2 (127.0.0.1) failed: cannot connect to 127.0.0.1:" + std::to_string(f2_->port()) +
          ": Connection refused; Remote delegation to alpha "
          "on node-f2 (node-f2.mesh) failed: cannot connect to node-f2.mesh:" +
          std::to_string(f2_->port())))
      << log;
  ASSERT_NE(second, std::string::npos) << log;
  EXPECT_LT(first, warn);
  EXPECT_LT(warn, second);
  EXPECT_EQ(readFile(deliveries()), "node-f3:task-1\n");
}

TEST_F(MeshFailover, TaskDeliveredToANodeThatDiesIsNeverResentToAnother) {
  ASSERT_TRUE(startMesh(2)) << f1_->output() << f2_->output() << f3_->output();
  ASSERT_TRUE(makeNodeF2TheFirstCandidate()) << readFile(work_.file("shared/mesh.json"));
  size_t mark = f1_->mark();
  auto sent = std::async(std::launch::async, [&] {
    return rivetctl(*f1_, {"send", "alpha", "t"});
  });
  ASSERT_TRUE(eventually([&] { return contains(readFile(deliveries()), "node-f2:t"); }, 3s))
      << f1_->outputSince(mark);
  f2_->kill(); // mid-task: the request was delivered, its answer never comes

  RunResult r = sent.get();
  EXPECT_EQ(r.exitCode, 1) << r.out;
  EXPECT_PRED2(contains, r.err, "rivetctl: alpha failed: Remote delegation to alpha on node-f2");
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(readFile(deliveries()), "node-f2:t\n");
  EXPECT_FALSE(contains(f1_->outputSince(mark), "via node-f3")) << f1_->outputSince(mark);
}

// --- deadlines and the worker pool on one node --------------------------------------------------

class MeshReceiverTimeout : public ::testing::Test {
protected:
  static void SetUpTestSuite() {
    pki_ = std::make_unique<TestPki>();
    work_ = std::make_unique<TempDir>();
    // Ignores SIGTERM, and so does the sleep it leaves in the background; records both pids.
    writeFile(work_->file("stubborn.sh"), "trap '' TERM\nsleep 30 &\necho \"$$ $!\" > " +
                                              work_->file("stubborn.pids") + "\nwait\n");
    node_ = std::make_unique<MeshNode>(
        *pki_, work_->file("shared"), "node-t",
        "agents:\n"
        "  sleeper:\n    plugin: command\n    argv: ['/bin/sleep', '5']\n"
        "  stubborn:\n    plugin: command\n    argv: ['/bin/sh', '" +
            work_->file("stubborn.sh") + "']\n    kill_grace_ms: 1500\n");
    started_ = node_->start();
  }
  static void TearDownTestSuite() {
    node_.reset();
    work_.reset();
    pki_.reset();
  }
  void SetUp() override { ASSERT_TRUE(started_) << node_->output(); }

  static std::unique_ptr<TestPki> pki_;
  static std::unique_ptr<TempDir> work_;
  static std::unique_ptr<MeshNode> node_;
  static bool started_;
};

std::unique_ptr<TestPki> MeshReceiverTimeout::pki_;
std::unique_ptr<TempDir> MeshReceiverTimeout::work_;
std::unique_ptr<MeshNode> MeshReceiverTimeout::node_;
bool MeshReceiverTimeout::started_ = false;

TEST_F(MeshReceiverTimeout, SlowAgentTimesOutAtTheRequestsDeadline) {
  auto started = Clock::now();
  HttpResponse r = postMessage(*pki_, *node_, messageBody("sleeper", R"(,"timeoutMs":500)"));
  int64_t elapsed = msSince(started);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(field(r, "status"), "timeout") << r.body;
  EXPECT_EQ(field(r, "agent"), "sleeper");
  // The engine's deadline starts first; the command's own (same length) may only win a close race.
  const std::string text = field(r, "response");
  EXPECT_TRUE(text == "Delegation to sleeper timed out after 500ms" ||
              text == "command /bin/sleep did not finish within 500 ms; killed its process group")
      << text;
  EXPECT_GE(elapsed, 450);
  EXPECT_LT(elapsed, 1200);
}

TEST_F(MeshReceiverTimeout, AgentIgnoringSigtermIsKilledWithItsWholeProcessGroup) {
  auto started = Clock::now();
  HttpResponse r = postMessage(*pki_, *node_, messageBody("stubborn", R"(,"timeoutMs":400)"));
  EXPECT_LT(msSince(started), 1200);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(field(r, "status"), "timeout") << r.body;

  std::istringstream pids(readFile(work_->file("stubborn.pids")));
  int shell = 0, sleeper = 0;
  ASSERT_TRUE(pids >> shell >> sleeper) << "the script wrote no pids";
  EXPECT_FALSE(processGone(shell)) << "SIGTERM alone ended it: the test proves nothing";
  // SIGTERM at the 400 ms deadline is ignored; SIGKILL follows after the 1.5 s kill grace.
  EXPECT_TRUE(eventually([&] { return processGone(shell) && processGone(sleeper); }, 4s))
      << "pids " << shell << " and " << sleeper << " outlived the deadline and the kill grace";
  if (!processGone(sleeper))
    ::kill(-shell, SIGKILL);
}

class MeshWorkerPool : public ::testing::Test {
protected:
  static void SetUpTestSuite() {
    pki_ = std::make_unique<TestPki>();
    work_ = std::make_unique<TempDir>();
    writeFile(work_->file("slow.sh"),
              "touch " + work_->file("slow.started") + "\nsleep 1\necho slow-done\n");
    node_ = std::make_unique<MeshNode>(
        *pki_, work_->file("shared"), "node-w",
        "agents:\n  slow:\n    plugin: command\n    argv: ['/bin/sh', '" + work_->file("slow.sh") +
            "']\n",
        std::string(kFastHeartbeat) + "  agent_workers: 1\n");
    started_ = node_->start();
  }
  static void TearDownTestSuite() {
    node_.reset();
    work_.reset();
    pki_.reset();
  }
  void SetUp() override { ASSERT_TRUE(started_) << node_->output(); }

  static std::unique_ptr<TestPki> pki_;
  static std::unique_ptr<TempDir> work_;
  static std::unique_ptr<MeshNode> node_;
  static bool started_;
};

std::unique_ptr<TestPki> MeshWorkerPool::pki_;
std::unique_ptr<TempDir> MeshWorkerPool::work_;
std::unique_ptr<MeshNode> MeshWorkerPool::node_;
bool MeshWorkerPool::started_ = false;

TEST_F(MeshWorkerPool, RequestBeyondTheLastWorkerIs503BusyWithRetryAfterAtOnce) {
  auto first = std::async(std::launch::async,
                          [&] { return postMessage(*pki_, *node_, messageBody("slow")); });
  ASSERT_TRUE(eventually([&] { return std::filesystem::exists(work_->file("slow.started")); }, 3s))
      << node_->output();

  auto started = Clock::now();
  HttpResponse busy = postMessage(*pki_, *node_, messageBody("slow"));
  EXPECT_LT(msSince(started), 500) << "a full pool must refuse at once, not queue";
  EXPECT_EQ(busy.status, 503);
  EXPECT_EQ(busy.body, R"({"error":"Node busy: all 1 agent workers are in use"})");
  EXPECT_FALSE(busy.header("retry-after").empty());
  EXPECT_GT(std::atoi(busy.header("retry-after").c_str()), 0);

  HttpResponse done = first.get();
  EXPECT_EQ(done.status, 200);
  EXPECT_EQ(field(done, "status"), "completed") << done.body;
  EXPECT_EQ(field(done, "response"), "slow-done");
}

} // namespace
