// Serving A2A (docs/a2a.md) to the real @a2a-js/sdk client (tests/a2a/client-run.cjs, run by
// node): Agent Cards, blocking and streaming SendMessage, cancel, resubscribe, the mesh's agents
// through delegation, and who may call: a mesh certificate, a bearer token (for some agents
// only), the policy's token:<name> rules, and nobody. Hostile JSON-RPC with a raw TLS client.
#include "MeshNode.hpp"

#include "rivet/sdk/json.hpp"
#include "util/Sha256.hpp"

#include <gtest/gtest.h>

#include <sys/stat.h>

namespace rivet::test {
namespace {

namespace json = sdk::json;

const std::string kAliceToken = "alice-3f9d0c1e8b7a6d5c4b3a29180716f5e4";
const std::string kOpsToken = "ops-0a1b2c3d4e5f60718293a4b5c6d7e8f9";

struct Auth {
  std::string certStem; // a certificate of the suite's CA ("" none)
  std::string token;    // a bearer token ("" none)
};

struct Line {
  std::string tag;
  json::Value value;
};

class A2aServe : public ::testing::Test {
protected:
  static void SetUpTestSuite() {
    pki_ = new TestPki;
    storage_ = new TempDir;
    ca::IssueOptions local;
    local.ips = {"127.0.0.1"};
    local.dnsNames = {"localhost"};
    pki_->issueNode("a2a-front", local);
    a2aPort_ = freePort();
    metricsPort_ = freePort();
    tokens_ = storage_->file("a2a-tokens");
    writeFile(tokens_, "# name agents hash\nalice echo,far sha256:" + util::sha256Hex(kAliceToken) +
                           "\nops * sha256:" + util::sha256Hex(kOpsToken) + "\n");
    ::chmod(tokens_.c_str(), 0600);
    const std::string front = pki_->file("ca/issued/a2a-front");
    const std::string a2a =
        "a2a:\n  enabled: true\n  port: " + std::to_string(a2aPort_) +
        "\n  public_url: https://127.0.0.1:" + std::to_string(a2aPort_) +
        "\n  tls:\n    cert: " + front + ".crt\n    key: " + front +
        ".key\n  tokens_file: " + tokens_ +
        "\n  agents:\n    echo:\n      description: Says back what it is told\n"
        "      skills:\n        - id: repeat\n          name: Repeat\n"
        "          description: Repeats the text\n          tags: [echo, test]\n"
        // token:alice may run echo (and far, on node-b), not worker; ops may run anything
        "policy:\n  agents:\n    worker:\n      allow: [node-a, node-b, \"token:op*\"]\n"
        "metrics:\n  enabled: true\n  port: " +
        std::to_string(metricsPort_) + "\n";
    a_ = new MeshNode(*pki_, storage_->path(), "node-a",
                      a2a + "agents:\n  echo:\n    plugin: echo\n" +
                          commandAgent("worker", "echo 'step one' >&2; sleep 0.5; "
                                                 "echo 'step two' >&2; sleep 0.5; echo done") +
                          commandAgent("sleeper", "sleep 30"));
    b_ = new MeshNode(*pki_, storage_->path(), "node-b", "agents:\n  far:\n    plugin: echo\n");
    started_ = a_->start() && b_->start();
  }
  static void TearDownTestSuite() {
    delete a_;
    delete b_;
    delete storage_;
    delete pki_;
  }
  void SetUp() override {
    if (a2aTestModules().empty())
      GTEST_SKIP() << "the pinned @a2a-js/sdk is not installed: run "
                      "scripts/install-a2a-test-deps.sh build (make test does)";
    ASSERT_TRUE(started_) << a_->output() << b_->output();
    // node-b's far is in node-a's view of the mesh once node-b has registered
    auto until = Clock::now() + 10s;
    while (Clock::now() < until && !contains(rawGet("/a2a/").body, "\"far\""))
      std::this_thread::sleep_for(100ms);
  }

  static std::string base(const std::string& agent) {
    return "https://127.0.0.1:" + std::to_string(a2aPort_) + "/a2a/" + agent + "/";
  }

  // The SDK client: one scenario of client-run.cjs, its lines parsed.
  std::vector<Line> sdk(const std::string& agent, const std::string& scenario,
                        const std::string& text, const Auth& auth, RunResult* raw = nullptr) {
    Env env{{"NODE_PATH", a2aTestModules()}, {"A2A_CA", pki_->chainPath()}};
    if (!auth.certStem.empty()) {
      env["A2A_CERT"] = pki_->file("ca/issued/" + auth.certStem + ".crt");
      env["A2A_KEY"] = pki_->file("ca/issued/" + auth.certStem + ".key");
    }
    if (!auth.token.empty())
      env["A2A_TOKEN"] = auth.token;
    RunResult r =
        run({"/usr/bin/node", sourcePath("tests/a2a/client-run.cjs"), base(agent), scenario, text},
            env, 60s);
    if (raw)
      *raw = r;
    std::vector<Line> out;
    std::istringstream lines(r.out);
    for (std::string line; std::getline(lines, line);) {
      size_t space = line.find(' ');
      if (space == std::string::npos)
        continue;
      auto v = json::tryParse(line.substr(space + 1));
      if (v)
        out.push_back({line.substr(0, space), *v});
    }
    if (out.empty())
      ADD_FAILURE() << "no output from the SDK client: " << r.out << r.err;
    return out;
  }

  static const json::Value* find(const std::vector<Line>& lines, const std::string& tag) {
    for (const auto& l : lines)
      if (l.tag == tag)
        return &l.value;
    return nullptr;
  }

  static std::string state(const json::Value& task) {
    const json::Value* s = task.find("status");
    return s ? s->getString("state").value_or("") : "";
  }

  static std::string artifactText(const json::Value& task) {
    const json::Value* a = task.find("artifacts");
    if (!a || !a->isArray() || a->items().empty())
      return "";
    const json::Value* parts = a->items()[0].find("parts");
    return parts && parts->isArray() && !parts->items().empty()
               ? parts->items()[0].getString("text").value_or("")
               : "";
  }

  // A raw request to the A2A listener over TLS (with node-b's certificate unless told).
  HttpResponse rawCall(const std::string& method, const std::string& path, const std::string& body,
                       const std::string& stem = "node-b",
                       std::map<std::string, std::string> headers = {}) {
    TlsClientOptions o = clientOptions(*pki_, stem, "");
    o.timeout = 15s;
    TestTlsClient c(o);
    HttpResponse r;
    if (!c.connect(a2aPort_) || !c.request(method, path, body, r, headers))
      ADD_FAILURE() << method << " " << path << ": " << c.error();
    return r;
  }
  HttpResponse rawGet(const std::string& path, const std::string& stem = "node-b") {
    return rawCall("GET", path, "", stem);
  }
  json::Value rpcCall(const std::string& agent, const std::string& body,
                      const std::string& stem = "node-b", int status = 200,
                      std::map<std::string, std::string> headers = {
                          {"Content-Type", "application/json"}, {"A2A-Version", "1.0"}}) {
    HttpResponse r = rawCall("POST", "/a2a/" + agent + "/", body, stem, headers);
    EXPECT_EQ(r.status, status) << body << " -> " << r.body;
    auto v = json::tryParse(r.body);
    EXPECT_TRUE(v && v->isObject()) << r.body;
    return v ? *v : json::Value();
  }
  static int64_t errorCode(const json::Value& v) {
    const json::Value* e = v.find("error");
    return e ? e->getInteger("code").value_or(0) : 0;
  }

  static TestPki* pki_;
  static TempDir* storage_;
  static MeshNode* a_;
  static MeshNode* b_;
  static bool started_;
  static int a2aPort_;
  static int metricsPort_;
  static std::string tokens_;
};

TestPki* A2aServe::pki_ = nullptr;
TempDir* A2aServe::storage_ = nullptr;
MeshNode* A2aServe::a_ = nullptr;
MeshNode* A2aServe::b_ = nullptr;
bool A2aServe::started_ = false;
int A2aServe::a2aPort_ = 0;
int A2aServe::metricsPort_ = 0;
std::string A2aServe::tokens_;

TEST_F(A2aServe, TheSdkClientReadsTheCardOfAMeshAgent) {
  auto lines = sdk("echo", "card", "", {"", ""}); // cards are public by default
  const json::Value* card = find(lines, "CARD");
  ASSERT_TRUE(card) << lines.size();
  EXPECT_EQ(card->getString("name").value_or(""), "echo");
  EXPECT_EQ(card->getString("description").value_or(""), "Says back what it is told");
  const json::Value* iface = card->find("supportedInterfaces");
  ASSERT_TRUE(iface && iface->isArray() && !iface->items().empty());
  EXPECT_EQ(iface->items()[0].getString("url").value_or(""), base("echo"));
  EXPECT_EQ(iface->items()[0].getString("protocolBinding").value_or(""), "JSONRPC");
  EXPECT_EQ(card->find("capabilities")->getBool("streaming"), true);
  const json::Value* schemes = card->find("securitySchemes");
  ASSERT_TRUE(schemes);
  EXPECT_TRUE(schemes->find("mtls"));
  EXPECT_TRUE(schemes->find("bearer"));
  const json::Value* skills = card->find("skills");
  ASSERT_TRUE(skills && skills->items().size() == 1);
  EXPECT_EQ(skills->items()[0].getString("id").value_or(""), "repeat");
  // an agent of another node has a card too; one nobody hosts has none
  auto farLines = sdk("far", "card", "", {"", ""});
  auto far = find(farLines, "CARD");
  ASSERT_TRUE(far);
  EXPECT_TRUE(contains(far->getString("description").value_or(""), "node-b"));
  EXPECT_EQ(rawGet("/a2a/nobody/.well-known/agent-card.json").status, 404);
}

TEST_F(A2aServe, ABlockingSendAnswersWithTheCompletedTaskAndItsAnswer) {
  auto lines = sdk("echo", "send", "ping from A2A", {"node-b", ""});
  const json::Value* task = find(lines, "TASK");
  ASSERT_TRUE(task) << a_->output();
  EXPECT_EQ(state(*task), "TASK_STATE_COMPLETED");
  EXPECT_EQ(artifactText(*task), "ping from A2A");
  EXPECT_FALSE(task->getString("contextId").value_or("").empty());
  const json::Value* history = task->find("history");
  ASSERT_TRUE(history && history->isArray() && history->items().size() == 1);
  EXPECT_EQ(history->items()[0].getString("role").value_or(""), "ROLE_USER");
}

TEST_F(A2aServe, TheSameMessageIdSentTwiceIsOneTask) {
  auto lines = sdk("echo", "send-twice", "once", {"node-b", ""});
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0].value.getString("id"), lines[1].value.getString("id"));
}

TEST_F(A2aServe, AStreamedTaskSendsTheTaskProgressTheArtifactAndTheFinalStatus) {
  auto lines = sdk("worker", "stream", "go", {"node-b", ""});
  ASSERT_GE(lines.size(), 4u) << a_->output();
  EXPECT_TRUE(lines.front().value.find("task")) << lines.front().value.dump();
  std::vector<std::string> texts;
  bool artifact = false;
  for (const auto& l : lines) {
    if (const json::Value* u = l.value.find("statusUpdate")) {
      const json::Value* m = u->find("status")->find("message");
      if (m)
        texts.push_back(m->find("parts")->items()[0].getString("text").value_or(""));
    }
    if (const json::Value* a = l.value.find("artifactUpdate")) {
      artifact = true;
      EXPECT_EQ(a->find("artifact")->find("parts")->items()[0].getString("text"), "done");
    }
  }
  EXPECT_TRUE(artifact);
  EXPECT_NE(std::find(texts.begin(), texts.end(), "step one"), texts.end());
  EXPECT_NE(std::find(texts.begin(), texts.end(), "step two"), texts.end());
  const json::Value* last = lines.back().value.find("statusUpdate");
  ASSERT_TRUE(last) << lines.back().value.dump();
  EXPECT_EQ(state(*last), "TASK_STATE_COMPLETED");
}

TEST_F(A2aServe, CancelEndsALongTaskAndASecondCancelIsNotCancelable) {
  auto started = Clock::now();
  auto lines = sdk("sleeper", "cancel", "wait", {"node-b", ""});
  EXPECT_LT(Clock::now() - started, 15s);
  const json::Value* submitted = find(lines, "SUBMITTED");
  ASSERT_TRUE(submitted) << a_->output();
  EXPECT_TRUE(state(*submitted) == "TASK_STATE_SUBMITTED" ||
              state(*submitted) == "TASK_STATE_WORKING")
      << state(*submitted); // returned at once: it may have started already
  const json::Value* canceled = find(lines, "CANCELED");
  ASSERT_TRUE(canceled);
  EXPECT_EQ(state(*canceled), "TASK_STATE_CANCELED");
  EXPECT_EQ(state(*find(lines, "GOT")), "TASK_STATE_CANCELED");
  const json::Value* again = find(lines, "ERROR");
  ASSERT_TRUE(again);
  EXPECT_EQ(again->getInteger("code"), -32002) << again->dump();
}

TEST_F(A2aServe, ResubscribeFollowsARunningTaskToItsEnd) {
  auto lines = sdk("worker", "resubscribe", "go", {"node-b", ""});
  ASSERT_TRUE(find(lines, "SUBMITTED")) << a_->output();
  std::vector<const json::Value*> events;
  for (const auto& l : lines)
    if (l.tag == "EVENT")
      events.push_back(&l.value);
  ASSERT_GE(events.size(), 2u);
  EXPECT_TRUE(events.front()->find("task"));
  const json::Value* last = events.back()->find("statusUpdate");
  ASSERT_TRUE(last);
  EXPECT_EQ(state(*last), "TASK_STATE_COMPLETED");
  EXPECT_EQ(state(*find(lines, "GOT")), "TASK_STATE_COMPLETED");
  EXPECT_EQ(artifactText(*find(lines, "GOT")), "done");
}

TEST_F(A2aServe, AnAgentOfAnotherNodeIsReachedThroughDelegation) {
  auto lines = sdk("far", "send", "across the mesh", {"", kAliceToken});
  const json::Value* task = find(lines, "TASK");
  ASSERT_TRUE(task) << a_->output();
  EXPECT_EQ(state(*task), "TASK_STATE_COMPLETED") << task->dump() << b_->output();
  EXPECT_EQ(artifactText(*task), "across the mesh");
  EXPECT_EQ(task->find("metadata")->find("rivet")->getString("agent"), "far");
}

TEST_F(A2aServe, NoCertificateAndNoTokenIsRefusedWith401) {
  RunResult raw;
  auto lines = sdk("echo", "send", "hi", {"", ""}, &raw);
  const json::Value* e = find(lines, "ERROR");
  ASSERT_TRUE(e) << raw.out;
  EXPECT_TRUE(contains(e->getString("message").value_or(""), "Authentication required"))
      << e->dump();
  HttpResponse r =
      rawCall("POST", "/a2a/echo/", R"({"jsonrpc":"2.0","id":1,"method":"GetTask"})", "");
  EXPECT_EQ(r.status, 401);
  EXPECT_TRUE(contains(r.header("www-authenticate"), "Bearer realm="))
      << r.header("www-authenticate");
  // a token that is not in the file
  HttpResponse bad = rawCall("POST", "/a2a/echo/", R"({"jsonrpc":"2.0","id":1,"method":"GetTask"})",
                             "", {{"Authorization", "Bearer not-a-token-of-this-node"}});
  EXPECT_EQ(bad.status, 401);
  EXPECT_TRUE(contains(bad.header("www-authenticate"), "invalid_token"));
}

TEST_F(A2aServe, ATokenForSomeAgentsIsRefusedForAnother) {
  auto ok = sdk("echo", "send", "hi alice", {"", kAliceToken});
  ASSERT_TRUE(find(ok, "TASK"));
  EXPECT_EQ(artifactText(*find(ok, "TASK")), "hi alice");
  auto refused = sdk("sleeper", "send", "hi", {"", kAliceToken});
  const json::Value* e = find(refused, "ERROR");
  ASSERT_TRUE(e);
  EXPECT_TRUE(contains(e->getString("message").value_or(""), "may not reach agent sleeper"))
      << e->dump();
}

TEST_F(A2aServe, ThePolicyMatchesTokenCallers) {
  // worker allows token:op*; ops's token reaches every agent by the file, alice's is refused by
  // the file first, and node-c (a mesh certificate the policy does not name) by the policy
  auto ops = sdk("worker", "send", "go", {"", kOpsToken});
  ASSERT_TRUE(find(ops, "TASK")) << a_->output();
  EXPECT_EQ(state(*find(ops, "TASK")), "TASK_STATE_COMPLETED");
  pki_->issueNode("node-c");
  auto c = sdk("worker", "send", "go", {"node-c", ""});
  const json::Value* e = find(c, "ERROR");
  ASSERT_TRUE(e);
  EXPECT_TRUE(contains(e->getString("message").value_or(""), "no allow rule")) << e->dump();
}

TEST_F(A2aServe, TasksAreVisibleOnlyToTheirCaller) {
  auto mine = sdk("echo", "send", "private", {"", kAliceToken});
  ASSERT_TRUE(find(mine, "TASK"));
  const std::string id = find(mine, "TASK")->getString("id").value_or("");
  auto other = sdk("echo", "get", id, {"", kOpsToken});
  const json::Value* e = find(other, "ERROR");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->getInteger("code"), -32001) << e->dump();
  auto list = sdk("echo", "list", "", {"", kAliceToken});
  const json::Value* l = find(list, "LIST");
  ASSERT_TRUE(l) << list.back().value.dump();
  EXPECT_TRUE(contains(l->dump(), id));
}

TEST_F(A2aServe, HostileJsonRpcGetsTheStandardErrors) {
  EXPECT_EQ(errorCode(rpcCall("echo", "{not json")), -32700);
  EXPECT_EQ(errorCode(rpcCall("echo", "[]")), -32600);
  EXPECT_EQ(errorCode(rpcCall("echo", R"({"jsonrpc":"1.0","id":1,"method":"GetTask"})")), -32600);
  EXPECT_EQ(errorCode(rpcCall("echo", R"({"jsonrpc":"2.0","method":"GetTask"})")), -32600);
  EXPECT_EQ(errorCode(rpcCall("echo", R"({"jsonrpc":"2.0","id":{"a":1},"method":"GetTask"})")),
            -32600);
  EXPECT_EQ(errorCode(rpcCall("echo", R"({"jsonrpc":"2.0","id":1,"method":"Nope"})")), -32601);
  EXPECT_EQ(
      errorCode(rpcCall("echo", R"({"jsonrpc":"2.0","id":1,"method":"GetTask","params":[]})")),
      -32602);
  EXPECT_EQ(errorCode(rpcCall("echo", R"({"jsonrpc":"2.0","id":1,"method":"message/send"})")),
            -32009);
  EXPECT_EQ(errorCode(rpcCall("echo", R"({"jsonrpc":"2.0","id":1,"method":"GetTask"})", "node-b",
                              200, {{"A2A-Version", "0.3"}, {"Content-Type", "application/json"}})),
            -32009);
  EXPECT_EQ(errorCode(rpcCall(
                "echo", R"({"jsonrpc":"2.0","id":"x","method":"GetTask","params":{"id":"f00"}})")),
            -32001);
  EXPECT_EQ(
      errorCode(rpcCall("echo", R"({"jsonrpc":"2.0","id":1,"method":"GetExtendedAgentCard"})")),
      -32007);
  EXPECT_EQ(errorCode(rpcCall(
                "echo", R"({"jsonrpc":"2.0","id":1,"method":"CreateTaskPushNotificationConfig"})")),
            -32003);
  auto send = [](const std::string& message, const std::string& config = "{}") {
    return R"({"jsonrpc":"2.0","id":7,"method":"SendMessage","params":{"message":)" + message +
           R"(,"configuration":)" + config + "}}";
  };
  const std::string ok = R"({"messageId":"m1","role":"ROLE_USER","parts":[{"text":"x"}]})";
  EXPECT_EQ(
      errorCode(rpcCall(
          "echo", send(R"({"messageId":"m2","role":"ROLE_USER","parts":[{"url":"http://x/y"}]})"))),
      -32005);
  EXPECT_EQ(errorCode(rpcCall(
                "echo", send(R"({"messageId":"m3","role":"ROLE_AGENT","parts":[{"text":"x"}]})"))),
            -32602);
  EXPECT_EQ(errorCode(rpcCall("echo", send(R"({"role":"ROLE_USER","parts":[{"text":"x"}]})"))),
            -32602);
  EXPECT_EQ(errorCode(rpcCall("echo", send(R"({"messageId":")" + std::string(300, 'm') +
                                           R"(","role":"ROLE_USER","parts":[{"text":"x"}]})"))),
            -32602);
  std::string parts;
  for (int i = 0; i < 65; ++i)
    parts += std::string(i ? "," : "") + R"({"text":"p"})";
  EXPECT_EQ(errorCode(rpcCall(
                "echo", send(R"({"messageId":"m4","role":"ROLE_USER","parts":[)" + parts + "]}"))),
            -32602);
  EXPECT_EQ(
      errorCode(rpcCall("echo", send(ok, R"({"taskPushNotificationConfig":{"url":"https://x"}})"))),
      -32003);
  EXPECT_EQ(
      errorCode(rpcCall(
          "echo",
          send(R"({"messageId":"m5","role":"ROLE_USER","taskId":"abc","parts":[{"text":"x"}]})"))),
      -32001);
  // the answer carries the request's id, a string id as a string
  json::Value v = rpcCall("echo", send(ok));
  EXPECT_EQ(v.getInteger("id"), 7);
  EXPECT_EQ(v.find("result")->find("task")->find("status")->getString("state"),
            "TASK_STATE_COMPLETED");
  // other paths and methods
  EXPECT_EQ(rawGet("/a2a/echo/").status, 405);
  EXPECT_EQ(rawGet("/api/message").status, 404);
  EXPECT_EQ(rawGet("/a2a/" + std::string(200, 'a') + "/").status, 404);
  EXPECT_EQ(rawGet("/a2a/../etc/passwd").status, 404);
  // the node still serves
  EXPECT_EQ(artifactText(*find(sdk("echo", "send", "still here", {"node-b", ""}), "TASK")),
            "still here");
}

TEST_F(A2aServe, SighupReadsTheTokensFileAgainAndABrokenOneKeepsTheTokens) {
  const std::string late = "late-7e6d5c4b3a291807f6e5d4c3b2a19081";
  const std::string before = readFile(tokens_);
  writeFile(tokens_, before + "late echo sha256:" + util::sha256Hex(late) + "\n");
  ::kill(a_->process().pid(), SIGHUP);
  ASSERT_TRUE(a_->process().waitForOutput("A2A bearer tokens reloaded: 3 tokens", 5s))
      << a_->output();
  auto ok = sdk("echo", "send", "late but here", {"", late});
  ASSERT_TRUE(find(ok, "TASK")) << a_->output();
  EXPECT_EQ(artifactText(*find(ok, "TASK")), "late but here");
  writeFile(tokens_, before + "late echo not-a-hash\n");
  ::kill(a_->process().pid(), SIGHUP);
  ASSERT_TRUE(a_->process().waitForOutput("the A2A bearer tokens stay as they were", 5s))
      << a_->output();
  EXPECT_TRUE(contains(a_->output(), "line 4")) << a_->output();
  EXPECT_TRUE(find(sdk("echo", "send", "still", {"", late}), "TASK"));
  writeFile(tokens_, before);
  ::kill(a_->process().pid(), SIGHUP);
  ASSERT_TRUE(a_->process().waitForOutput("A2A bearer tokens reloaded: 2 tokens", 5s));
}

TEST_F(A2aServe, ATokenFromRivetctlWorksAfterAReload) {
  const std::string before = readFile(tokens_);
  RunResult made =
      run({binPath("rivetctl"), "a2a", "token", "from-ctl", "--agents", "echo", "--file", tokens_});
  ASSERT_EQ(made.exitCode, 0) << made.err;
  EXPECT_TRUE(contains(made.err, "Added token:from-ctl (agents echo)")) << made.err;
  const std::string token = made.out.substr(0, made.out.find('\n'));
  EXPECT_EQ(token.size(), 64u);
  EXPECT_FALSE(contains(readFile(tokens_), token)); // the file holds its hash only
  RunResult twice = run({binPath("rivetctl"), "a2a", "token", "from-ctl", "--file", tokens_});
  EXPECT_EQ(twice.exitCode, 1);
  EXPECT_TRUE(contains(twice.err, "the name from-ctl is given twice")) << twice.err;
  ::kill(a_->process().pid(), SIGHUP);
  ASSERT_TRUE(a_->process().waitForOutput("A2A bearer tokens reloaded: 3 tokens", 5s));
  auto ok = sdk("echo", "send", "made by rivetctl", {"", token});
  ASSERT_TRUE(find(ok, "TASK")) << a_->output();
  EXPECT_EQ(artifactText(*find(ok, "TASK")), "made by rivetctl");
  EXPECT_TRUE(find(sdk("sleeper", "send", "x", {"", token}), "ERROR")); // echo only
  writeFile(tokens_, before);
  ::kill(a_->process().pid(), SIGHUP);
}

TEST_F(A2aServe, MetricsCountTheA2aListenerAndItsRequests) {
  sdk("echo", "send", "counted", {"node-b", ""});
  rawCall("POST", "/a2a/echo/", "{}", ""); // a 401
  TestTlsClient plain(TlsClientOptions{});
  ASSERT_TRUE(plain.connectPlain(metricsPort_)) << plain.error();
  ASSERT_TRUE(
      plain.sendRaw("GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"));
  const std::string m = plain.readUntilClose(5s);
  EXPECT_TRUE(contains(m, "rivet_a2a_connections_accepted_total ")) << m;
  EXPECT_TRUE(contains(m, "rivet_a2a_connections_open ")) << m;
  EXPECT_TRUE(contains(m, "rivet_requests_total{endpoint=\"a2a\",status=\"200\"}")) << m;
  EXPECT_TRUE(contains(m, "rivet_requests_total{endpoint=\"a2a\",status=\"401\"}")) << m;
}

// A node of its own, for what ends it.
class A2aServeAlone : public ::testing::Test {
protected:
  void SetUp() override {
    if (a2aTestModules().empty())
      GTEST_SKIP() << "the pinned @a2a-js/sdk is not installed: run "
                      "scripts/install-a2a-test-deps.sh build (make test does)";
  }
  std::string a2aYaml(int port, const std::string& tokens) {
    return "a2a:\n  enabled: true\n  port: " + std::to_string(port) + "\n  tokens_file: " + tokens +
           "\n";
  }
  TestPki pki_;
  TempDir dir_;
};

TEST_F(A2aServeAlone, AWritableTokensFileStopsTheStartAndSaysWhy) {
  const std::string tokens = dir_.file("tokens");
  writeFile(tokens, "alice * sha256:" + util::sha256Hex("x") + "\n");
  ::chmod(tokens.c_str(), 0666);
  MeshNode node(pki_, dir_.path(), "node-a",
                a2aYaml(freePort(), tokens) + "agents:\n  echo:\n    plugin: echo\n");
  EXPECT_FALSE(node.start());
  EXPECT_TRUE(contains(node.output(),
                       "a2a.tokens_file " + tokens + " may be written by its group or by others"))
      << node.output();
}

TEST_F(A2aServeAlone, ABlockingSendIsAnsweredWhenTheNodeStops) {
  const std::string tokens = dir_.file("tokens");
  const std::string token = "stop-0123456789abcdef0123456789abcdef";
  writeFile(tokens, "t * sha256:" + util::sha256Hex(token) + "\n");
  ::chmod(tokens.c_str(), 0600);
  const int port = freePort();
  MeshNode node(pki_, dir_.path(), "node-a",
                a2aYaml(port, tokens) + "agents:\n" + commandAgent("sleeper", "sleep 30"));
  ASSERT_TRUE(node.start()) << node.output();
  Env env{
      {"NODE_PATH", a2aTestModules()}, {"A2A_TOKEN", token}, {"NODE_TLS_REJECT_UNAUTHORIZED", "0"}};
  // the node's certificate names node-a.mesh, not 127.0.0.1: this client does not check it
  Process client({"/usr/bin/node", sourcePath("tests/a2a/client-run.cjs"),
                  "https://127.0.0.1:" + std::to_string(port) + "/a2a/sleeper/", "send", "wait"},
                 env);
  ASSERT_TRUE(node.process().waitForOutput("submitted by token:t", 10s)) << node.output();
  std::this_thread::sleep_for(300ms);
  auto started = Clock::now();
  node.process().stop();
  EXPECT_EQ(client.wait(10s), 0) << client.output();
  EXPECT_LT(Clock::now() - started, 10s);
  EXPECT_TRUE(contains(client.output(), "TASK_STATE_FAILED")) << client.output() << node.output();
  EXPECT_TRUE(contains(client.output(), "stopped while the task ran")) << client.output();
}

// rivet-mesh on both ends: node-y's `a2a` agent is node-x's worker, served by node-x's A2A
// listener, reached with node-y's mesh certificate; the progress comes along.
TEST_F(A2aServeAlone, AMeshAgentOfOneNodeIsAnA2aAgentOfAnother) {
  ca::IssueOptions local;
  local.ips = {"127.0.0.1"};
  pki_.issueNode("x-front", local);
  const std::string front = pki_.file("ca/issued/x-front");
  const int port = freePort();
  TempDir xStorage, yStorage;
  MeshNode x(pki_, xStorage.path(), "node-x",
             "a2a:\n  enabled: true\n  port: " + std::to_string(port) +
                 "\n  tls:\n    cert: " + front + ".crt\n    key: " + front + ".key\nagents:\n" +
                 commandAgent("worker", "echo 'step one' >&2; sleep 0.3; echo done"));
  ASSERT_TRUE(x.start()) << x.output();
  MeshNode y(pki_, yStorage.path(), "node-y",
             "agents:\n  via-a2a:\n    plugin: a2a\n    card_url: https://127.0.0.1:" +
                 std::to_string(port) + "/a2a/worker/.well-known/agent-card.json\n    ca_file: " +
                 pki_.chainPath() + "\n    use_node_certificate: true\n");
  ASSERT_TRUE(y.start()) << y.output();
  TlsClientOptions o = clientOptions(pki_, "node-y", "node-y.mesh");
  o.timeout = 20s;
  TestTlsClient c(o);
  HttpResponse r;
  ASSERT_TRUE(c.connect(y.port()) &&
              c.request("POST", "/api/message",
                        R"({"fromAgent":"tester","message":"go","toAgent":"via-a2a"})", r))
      << c.error();
  EXPECT_EQ(r.status, 200) << r.body << y.output() << x.output();
  EXPECT_TRUE(contains(r.body, "done")) << r.body;
  EXPECT_TRUE(contains(x.output(), "submitted by cn:node-y")) << x.output();
}

} // namespace
} // namespace rivet::test
