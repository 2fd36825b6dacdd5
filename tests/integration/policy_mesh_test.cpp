// The policy across nodes (docs/policy.md), with real rivetd processes sharing mesh.json:
// rosters leave out agents that would refuse the caller and follow a policy changed on SIGHUP
// within a heartbeat, a broken policy keeps the old one, forwarded callers are believed only
// from trusted forwarders, per-agent places with a queue answer 429, the rate limit per caller,
// and a sender fails over to another node when one answers 429.
#include "MeshNode.hpp"

#include <gtest/gtest.h>

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>

#include <future>
#include <set>

namespace rivet::test {
namespace {

std::set<std::string> rosterOf(const MeshNode& via, const std::string& lister) {
  RunResult r = rivetctl(via, {"send", lister, "roster"});
  std::set<std::string> out;
  JsonObject roster = parseObject(r.out);
  JsonArray agents = roster ? roster->getArray("agents") : nullptr;
  for (size_t i = 0; agents && i < agents->size(); ++i) {
    JsonObject a = agents->getObject(static_cast<unsigned>(i));
    out.insert(a->getValue<std::string>("id") + "@" + a->getValue<std::string>("node"));
  }
  return out;
}

// GET of the metrics listener's /metrics (plain HTTP on loopback).
std::string metricsText(int port) {
  Poco::Net::HTTPClientSession session("127.0.0.1", static_cast<Poco::UInt16>(port));
  Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_GET, "/metrics",
                                 Poco::Net::HTTPMessage::HTTP_1_1);
  session.sendRequest(request);
  Poco::Net::HTTPResponse response;
  std::ostringstream body;
  body << session.receiveResponse(response).rdbuf();
  return body.str();
}

void replaceInFile(const std::string& path, const std::string& from, const std::string& to) {
  std::string text = readFile(path);
  size_t at = text.find(from);
  ASSERT_NE(at, std::string::npos) << from << " not in " << text;
  writeFile(path, text.replace(at, from.size(), to));
}

HttpResponse post(TestPki& pki, const std::string& cert, int port, const std::string& body,
                  const std::string& expectName) {
  TlsClientOptions o = clientOptions(pki, cert, expectName);
  o.timeout = std::chrono::seconds(15); // the held task of the failover test runs 8 s
  TestTlsClient c(o);
  HttpResponse r;
  EXPECT_TRUE(c.connect(port)) << c.error();
  EXPECT_TRUE(c.request("POST", "/api/message", body, r)) << c.error();
  return r;
}

std::string message(const std::string& to, const std::string& from = "tester",
                    int64_t timeoutMs = 10000) {
  return "{\"fromAgent\":\"" + from + "\",\"message\":\"hi\",\"toAgent\":\"" + to +
         "\",\"timeoutMs\":" + std::to_string(timeoutMs) + "}";
}

const char* const kHeartbeat = "  heartbeat_interval_ms: 1000\n  stale_threshold_ms: 5000\n";

class PolicyMesh : public ::testing::Test {
protected:
  static void SetUpTestSuite() {
    pki_ = std::make_unique<TestPki>();
    pki_->issueNode("node-x");
    storage_ = std::make_unique<TempDir>();
    a_ = std::make_unique<MeshNode>(
        *pki_, storage_->path(), "node-a",
        "agents:\n" + commandAgent("lister", R"sh("$CTL" delegate --roster)sh") +
            commandAgent(
                "asker",
                R"sh(t=$(cat); if [ "$t" = roster ]; then "$CTL" delegate --roster; else "$CTL" delegate opus "$t" 2>&1; echo "rc=$?"; fi)sh") +
            "  mine: {plugin: echo}\npolicy:\n  agents:\n    mine: {allow: [node-b]}\n",
        kHeartbeat);
    b_ = std::make_unique<MeshNode>(*pki_, storage_->path(), "node-b",
                                    "agents:\n  opus: {plugin: echo}\n"
                                    "policy:\n  agents:\n    opus: {allow: [node-c]}\n",
                                    kHeartbeat);
    c_ = std::make_unique<MeshNode>(*pki_, storage_->path(), "node-c",
                                    "agents:\n  helper: {plugin: echo}\n", kHeartbeat);
    started_ = a_->start() && b_->start() && c_->start();
  }
  static void TearDownTestSuite() {
    a_.reset();
    b_.reset();
    c_.reset();
    storage_.reset();
    pki_.reset();
  }
  void SetUp() override { ASSERT_TRUE(started_) << a_->output() << b_->output() << c_->output(); }

  // Rewrites node-b's opus rules and sends it SIGHUP; true once it says it reloaded.
  static bool setOpusRules(const std::string& rules) {
    std::string text = readFile(b_->configPath());
    size_t at = text.find("    opus: ");
    text = text.substr(0, at) + "    opus: " + rules + "\n";
    writeFile(b_->configPath(), text);
    size_t mark = b_->mark();
    ::kill(b_->process().pid(), SIGHUP);
    return eventually([&] { return contains(b_->outputSince(mark), "SIGHUP: policy reloaded"); },
                      5s);
  }

  static std::unique_ptr<TestPki> pki_;
  static std::unique_ptr<TempDir> storage_;
  static std::unique_ptr<MeshNode> a_, b_, c_;
  static bool started_;
};

std::unique_ptr<TestPki> PolicyMesh::pki_;
std::unique_ptr<TempDir> PolicyMesh::storage_;
std::unique_ptr<MeshNode> PolicyMesh::a_, PolicyMesh::b_, PolicyMesh::c_;
bool PolicyMesh::started_ = false;

TEST_F(PolicyMesh, RostersLeaveOutAgentsThatWouldRefuseTheCallerAndFollowASighup) {
  ASSERT_TRUE(setOpusRules("{allow: [node-c]}"));
  ASSERT_TRUE(eventually([] { return rosterOf(*a_, "lister").count("helper@node-c"); }, 5s));
  std::set<std::string> roster = rosterOf(*a_, "lister");
  EXPECT_FALSE(roster.count("opus@node-b")) << "node-b's opus admits node-c only";
  EXPECT_FALSE(roster.count("mine@node-a")) << "this node's own mine admits node-b only";
  // The registry record carries the summary (an extension RivetOS ignores).
  JsonObject b = registryEntry(storage_->path(), "node-b");
  ASSERT_TRUE(b);
  JsonObject summary = b->getObject("metadata")->getObject("policy");
  ASSERT_TRUE(summary) << readFile(storage_->path() + "/mesh.json");
  EXPECT_EQ(strings(summary->getObject("agents")->getObject("opus")->getArray("allow")),
            std::vector<std::string>{"node-c"});

  // The operator lets node-a in: seen within one heartbeat (1 s here), the roster's own round
  // trip (rivetctl, the lister's program, its delegate --roster) included.
  ASSERT_TRUE(setOpusRules("{allow: [node-c, node-a]}"));
  auto changed = Clock::now();
  EXPECT_TRUE(eventually([] { return rosterOf(*a_, "lister").count("opus@node-b") > 0; }, 3s));
  EXPECT_LT(Clock::now() - changed, 1s);
  EXPECT_NE(rivetctl(*a_, {"send", "asker", "task"}).out.find("rc=0"), std::string::npos);
}

TEST_F(PolicyMesh, ARefusedDelegationIsRejectedAndRememberedUntilThePolicyChanges) {
  ASSERT_TRUE(setOpusRules("{deny: [\"asker@node-a\"]}"));
  // The summary says so: the roster of asker leaves opus out...
  ASSERT_TRUE(eventually([] { return !rosterOf(*a_, "asker").count("opus@node-b"); }, 3s));
  // ...and a delegation asked for all the same is refused by node-b, before opus runs.
  size_t mark = b_->mark();
  RunResult r = rivetctl(*a_, {"send", "asker", "task"});
  EXPECT_TRUE(contains(r.out, "refused by its policy") || contains(r.out, "refused asker"))
      << r.out << r.err;
  EXPECT_FALSE(contains(r.out, "rc=0")) << r.out;
  EXPECT_TRUE(eventually(
      [&] { return logged(b_->outputSince(mark), "WARN", "Policy refused a task for opus"); }, 3s))
      << b_->outputSince(mark) << r.out;
  // A second try is not sent: node-b's summary is unchanged since the 403.
  size_t again = b_->mark();
  r = rivetctl(*a_, {"send", "asker", "task"});
  EXPECT_TRUE(contains(r.out, "its policy has not changed since")) << r.out;
  std::this_thread::sleep_for(300ms);
  EXPECT_FALSE(contains(b_->outputSince(again), "Policy refused")) << b_->outputSince(again);
  // A change of the policy makes it ask again.
  ASSERT_TRUE(setOpusRules("{deny: [\"lab-*\"]}"));
  EXPECT_TRUE(eventually(
      [] {
        return contains(rivetctl(*a_, {"send", "asker", "task"}).out, "rc=0");
      },
      3s));
}

TEST_F(PolicyMesh, ABrokenPolicyOnSighupKeepsTheOldOneAndSaysWhy) {
  ASSERT_TRUE(setOpusRules("{allow: [node-c]}"));
  std::string good = readFile(b_->configPath());
  writeFile(b_->configPath(),
            good.substr(0, good.find("    opus: ")) + "    opus: {allow: [\"bad pattern\"]}\n");
  size_t mark = b_->mark();
  ::kill(b_->process().pid(), SIGHUP);
  ASSERT_TRUE(eventually([&] { return contains(b_->outputSince(mark), "the policy stays"); }, 5s))
      << b_->outputSince(mark);
  EXPECT_TRUE(contains(b_->outputSince(mark), "policy.agents.opus.allow[0]"))
      << b_->outputSince(mark);
  // Still enforced as before, and the node still serves.
  HttpResponse r = post(*pki_, "node-x", b_->port(), message("opus"), "node-b.mesh");
  EXPECT_EQ(r.status, 403) << r.body;
  r = post(*pki_, "node-c", b_->port(), message("opus"), "node-b.mesh");
  EXPECT_EQ(r.status, 200) << r.body;
  writeFile(b_->configPath(), good);
}

TEST_F(PolicyMesh, AReloadKeepsOpenConnectionsAndTheNextRequestOnOneMeetsTheNewRules) {
  ASSERT_TRUE(setOpusRules("{allow: [node-c]}"));
  TestTlsClient kept(clientOptions(*pki_, "node-c", "node-b.mesh"));
  ASSERT_TRUE(kept.connect(b_->port())) << kept.error();
  HttpResponse r;
  ASSERT_TRUE(kept.request("POST", "/api/message", message("opus"), r));
  EXPECT_EQ(r.status, 200) << r.body;
  ASSERT_TRUE(setOpusRules("{deny: [node-c]}"));
  ASSERT_TRUE(kept.request("POST", "/api/message", message("opus"), r)) << kept.error();
  EXPECT_EQ(r.status, 403) << "the same connection, after the reload: " << r.body;
  ASSERT_TRUE(setOpusRules("{allow: [node-c]}"));
  ASSERT_TRUE(kept.request("POST", "/api/message", message("opus"), r)) << kept.error();
  EXPECT_EQ(r.status, 200) << r.body;
}

TEST_F(PolicyMesh, AForwardedCallerIsBelievedOnlyFromATrustedForwarder) {
  // node-c asks node-a for opus, which node-a forwards to node-b naming node-c as the caller.
  ASSERT_TRUE(setOpusRules("{allow: [node-c]}"));
  HttpResponse r = post(*pki_, "node-c", a_->port(), message("opus"), "node-a.mesh");
  EXPECT_EQ(r.status, 403) << "node-a is no forwarder of node-b's: " << r.body;
  EXPECT_TRUE(contains(r.body, "an unknown caller")) << r.body;

  std::string text = readFile(b_->configPath());
  replaceInFile(b_->configPath(), "policy:\n", "policy:\n  forwarders: [node-a]\n");
  ASSERT_TRUE(setOpusRules("{allow: [node-c]}"));
  // node-a remembers the 403 until node-b's summary (forwarders included) changes in its view.
  EXPECT_TRUE(eventually(
      [&] {
        r = post(*pki_, "node-c", a_->port(), message("opus"), "node-a.mesh");
        return r.status == 200;
      },
      2s))
      << r.body;
  // node-x is not let in by going through node-a, however it names itself.
  r = post(*pki_, "node-x", a_->port(), message("opus"), "node-a.mesh");
  EXPECT_EQ(r.status, 403) << r.body;
  EXPECT_TRUE(contains(r.body, "refused node-x") || contains(r.body, "refused tester@node-x"))
      << r.body;
  // A caller field from a node that is not a trusted forwarder makes its sender unknown, never
  // the node it names.
  r = post(*pki_, "node-x", b_->port(),
           "{\"fromAgent\":\"t\",\"message\":\"hi\",\"toAgent\":\"opus\",\"caller\":\"cn:node-c\"}",
           "node-b.mesh");
  EXPECT_EQ(r.status, 403) << r.body;
  r = post(
      *pki_, "node-x", b_->port(),
      "{\"fromAgent\":\"t\",\"message\":\"hi\",\"toAgent\":\"opus\",\"caller\":\"cn:bad name\"}",
      "node-b.mesh");
  EXPECT_EQ(r.status, 400) << r.body;
  writeFile(b_->configPath(), text);
}

// --- admission: places, queue, rate limit, failover on 429 ---------------------------------

class PolicyAdmission : public ::testing::Test {
protected:
  static void SetUpTestSuite() {
    pki_ = std::make_unique<TestPki>();
    storage_ = std::make_unique<TempDir>();
    a_ = std::make_unique<MeshNode>(*pki_, storage_->path(), "node-a",
                                    "agents:\n  front: {plugin: echo}\n");
    b_ = std::make_unique<MeshNode>(
        *pki_, storage_->path(), "node-b",
        "agents:\n" + commandAgent("slow", "sleep 1; echo slow done") +
            commandAgent("busy", "sleep 8; echo busy on b") +
            "  quick: {plugin: echo}\n"
            "metrics: {enabled: true, port: " +
            std::to_string(metricsPort_) +
            "}\n"
            "policy:\n  rate_limit: {per_minute: 60, burst: 3}\n  agents:\n"
            "    slow: {max_concurrent: 1, queue: 1}\n    busy: {max_concurrent: 1}\n");
    c_ = std::make_unique<MeshNode>(*pki_, storage_->path(), "node-c",
                                    "agents:\n  busy: {plugin: echo}\n");
    started_ = a_->start() && b_->start() && c_->start();
  }
  static void TearDownTestSuite() {
    a_.reset();
    b_.reset();
    c_.reset();
    storage_.reset();
    pki_.reset();
  }
  void SetUp() override { ASSERT_TRUE(started_) << a_->output() << b_->output() << c_->output(); }

  static std::unique_ptr<TestPki> pki_;
  static std::unique_ptr<TempDir> storage_;
  static std::unique_ptr<MeshNode> a_, b_, c_;
  static bool started_;
  static inline int metricsPort_ = freePort();
};

std::unique_ptr<TestPki> PolicyAdmission::pki_;
std::unique_ptr<TempDir> PolicyAdmission::storage_;
std::unique_ptr<MeshNode> PolicyAdmission::a_, PolicyAdmission::b_, PolicyAdmission::c_;
bool PolicyAdmission::started_ = false;

TEST_F(PolicyAdmission, OneRunsOneWaitsTheThirdGets429AtOnceAndAWaitersDeadlineCounts) {
  // Each caller its own certificate: the rate limit (3 at once per caller) stays out of it.
  pki_->issueNode("caller-1");
  pki_->issueNode("caller-2");
  pki_->issueNode("caller-3");
  auto first = std::async(std::launch::async, [] {
    return post(*pki_, "caller-1", b_->port(), message("slow"), "node-b.mesh");
  });
  std::this_thread::sleep_for(300ms);
  auto second = std::async(std::launch::async, [] {
    return post(*pki_, "caller-2", b_->port(), message("slow"), "node-b.mesh");
  });
  std::this_thread::sleep_for(300ms);
  auto t0 = Clock::now();
  HttpResponse third = post(*pki_, "caller-3", b_->port(), message("slow"), "node-b.mesh");
  EXPECT_LT(Clock::now() - t0, 500ms) << "refused at once, not queued";
  EXPECT_EQ(third.status, 429) << third.body;
  EXPECT_EQ(third.header("retry-after"), "1");
  EXPECT_TRUE(contains(third.body, "max_concurrent")) << third.body;
  HttpResponse one = first.get(), two = second.get();
  EXPECT_EQ(one.status, 200);
  EXPECT_TRUE(contains(one.body, "slow done")) << one.body;
  EXPECT_EQ(two.status, 200);
  EXPECT_TRUE(contains(two.body, "slow done"))
      << "the queued one ran after the first: " << two.body;

  // A queued task whose deadline passes while it waits ends as a timeout, without running.
  auto running = std::async(std::launch::async, [] {
    return post(*pki_, "caller-1", b_->port(), message("slow"), "node-b.mesh");
  });
  std::this_thread::sleep_for(300ms);
  t0 = Clock::now();
  HttpResponse late =
      post(*pki_, "caller-2", b_->port(), message("slow", "tester", 300), "node-b.mesh");
  EXPECT_LT(Clock::now() - t0, 900ms);
  EXPECT_TRUE(contains(late.body, "\"status\":\"timeout\"")) << late.body;
  EXPECT_TRUE(contains(late.body, "waiting for a place")) << late.body;
  EXPECT_EQ(running.get().status, 200);
}

TEST_F(PolicyAdmission, ACallerPastItsRateGets429WithRetryAfterAndOthersGoOn) {
  pki_->issueNode("hasty");
  pki_->issueNode("calm");
  int ok = 0;
  HttpResponse refused;
  for (int i = 0; i < 5; ++i) {
    HttpResponse r = post(*pki_, "hasty", b_->port(), message("quick"), "node-b.mesh");
    if (r.status == 200)
      ++ok;
    else
      refused = r;
  }
  EXPECT_EQ(ok, 3) << "the burst";
  EXPECT_EQ(refused.status, 429) << refused.body;
  EXPECT_EQ(refused.header("retry-after"), "1");
  EXPECT_TRUE(contains(refused.body, "policy.rate_limit")) << refused.body;
  EXPECT_EQ(post(*pki_, "calm", b_->port(), message("quick"), "node-b.mesh").status, 200);
  EXPECT_TRUE(
      contains(metricsText(metricsPort_), "rivet_policy_refusals_total{kind=\"rate-limit\"} 2"))
      << metricsText(metricsPort_);
  std::this_thread::sleep_for(1100ms); // a token a second
  EXPECT_EQ(post(*pki_, "hasty", b_->port(), message("quick"), "node-b.mesh").status, 200);
}

TEST_F(PolicyAdmission, ASenderFailsOverWhenOneNodeAnswers429AndTheTaskRunsOnce) {
  // node-b's busy is held by a long task (8 s: ten rivetctl sends take 3 s under ASan);
  // node-c hosts an echo of the same id.
  pki_->issueNode("holder");
  auto held = std::async(std::launch::async, [] {
    return post(*pki_, "holder", b_->port(), message("busy"), "node-b.mesh");
  });
  ASSERT_TRUE(eventually([] { return contains(b_->output(), "Delegating to busy locally"); }, 3s));
  size_t mark = a_->mark();
  int answeredByC = 0;
  for (int i = 0; i < 10; ++i) { // node-a tries the most recently seen host first
    RunResult r = rivetctl(*a_, {"send", "busy", "x"});
    answeredByC += r.exitCode == 0 && !contains(r.out, "busy on b");
  }
  EXPECT_EQ(answeredByC, 10) << a_->outputSince(mark);
  std::string log = a_->outputSince(mark);
  EXPECT_TRUE(contains(log, "HTTP 429")) << "node-b was never tried first in 10 sends: " << log;
  EXPECT_TRUE(contains(log, "trying the next node")) << log;
  EXPECT_FALSE(contains(log, "circuit")) << "a 429 is no failure of node-b: " << log;
  EXPECT_TRUE(contains(held.get().body, "busy on b"));
}

} // namespace
} // namespace rivet::test
