// An `a2a` agent in a real rivetd, pointing at an A2A agent hosted by the real @a2a-js/sdk server
// (tests/a2a/agent-server.mjs) over HTTPS with mutual TLS (the node's mesh certificate) and a
// bearer token: the agent is in the roster under its card's name, a task returns the remote's
// answer with its progress on the task's event stream, a cancel reaches the remote, and an
// `openai` agent (answered by a scripted LLM server) reaches it through delegate_task. A second
// agent of the same server, over plain http and without streaming, is polled with GetTask.
#include "MeshTestKit.hpp"
#include "OpenAiReplies.hpp"
#include "ScriptedLlmServer.hpp"
#include "TestSupport.hpp"
#include "TestTlsClient.hpp"

#include "rivet/sdk/json.hpp"

#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <map>
#include <sstream>
#include <thread>

namespace rivet::test {
namespace {

using namespace std::chrono_literals;
namespace json = sdk::json;

template <class Pred> bool waitFor(Pred done, std::chrono::milliseconds timeout) {
  auto until = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() > until)
      return false;
    std::this_thread::sleep_for(20ms);
  }
  return true;
}

// The records agent-server.mjs wrote (one JSON object a line), in order.
std::vector<json::Value> records(const std::string& path) {
  std::vector<json::Value> out;
  std::istringstream lines(readFile(path));
  for (std::string line; std::getline(lines, line);)
    if (auto v = json::tryParse(line))
      out.push_back(*v);
  return out;
}

// The `progress` events' texts of one kind in a raw event stream, in order.
std::vector<std::string> progressTexts(const std::string& raw, const std::string& kind) {
  std::vector<std::string> out;
  const std::string marker = "event: progress\ndata: ";
  for (size_t at = raw.find(marker); at != std::string::npos; at = raw.find(marker, at + 1)) {
    size_t end = raw.find('\n', at + marker.size());
    auto data = json::tryParse(raw.substr(at + marker.size(), end - at - marker.size()));
    if (data && data->getString("kind") == kind)
      out.push_back(data->getString("text").value_or(""));
  }
  return out;
}

// The node program on PATH, or "".
std::string nodeProgram() {
  const char* path = std::getenv("PATH");
  std::istringstream dirs(path ? path : "");
  for (std::string dir; std::getline(dirs, dir, ':');)
    if (!dir.empty() && ::access((dir + "/node").c_str(), X_OK) == 0)
      return dir + "/node";
  return "";
}

class A2aAgentTest : public ::testing::Test {
protected:
  static void SetUpTestSuite() {
    modules_ = a2aTestModules();
    nodeProgram_ = nodeProgram();
    if (modules_.empty() || nodeProgram_.empty())
      return;
    pki_ = std::make_unique<TestPki>();
    pki_->issueNode("node-b");
    ca::IssueOptions serverName;
    serverName.ips = {"127.0.0.1"};
    auto server = pki_->issueNode("a2a-server", serverName);
    work_ = std::make_unique<TempDir>();
    const std::string token = work_->file("token");
    writeFile(token, "a2a-test-token\n");
    ::chmod(token.c_str(), 0600);
    record_ = work_->file("record.jsonl");
    remote_ = startRemote({"--cert", server.certPath, "--key", server.keyPath, "--client-ca",
                           pki_->chainPath(), "--token", "a2a-test-token"},
                          remotePort_);
    poller_ = startRemote({"--no-streaming"}, pollerPort_);
    if (!remotePort_ || !pollerPort_)
      return;
    llm_ = std::make_unique<ScriptedLlmServer>();
    NodeSettings s = nodeSettings(*pki_, "node-a");
    s.agentsYaml = "agents:\n"
                   "  researcher:\n"
                   "    plugin: a2a\n"
                   "    card_url: " +
                   cardUrl() + "\n    ca_file: " + pki_->chainPath() +
                   "\n    use_node_certificate: true\n    token_file: " + token +
                   "\n  poller:\n    plugin: a2a\n    card_url: http://127.0.0.1:" +
                   std::to_string(pollerPort_) +
                   "/.well-known/agent-card.json\n    allow_http: true\n    poll_interval_ms: 100" +
                   "\n  lead:\n    plugin: openai\n    base_url: " + llm_->baseUrl() +
                   "\n    model: gpt-test\n";
    node_ = std::make_unique<NodeProcess>(s);
  }
  // agent-server.mjs with `args` (and --record): running once it printed its port.
  static std::unique_ptr<Process> startRemote(std::vector<std::string> args, int& port) {
    args.insert(args.begin(), {nodeProgram_, sourcePath("tests/a2a/agent-server.mjs")});
    args.insert(args.end(), {"--record", record_});
    auto p = std::make_unique<Process>(args, Env{{"NODE_PATH", modules_}});
    if (p->waitForOutput("listening ", 20s)) {
      const std::string out = p->output();
      port = std::atoi(out.c_str() + out.find("listening ") + 10);
    }
    return p;
  }
  static void TearDownTestSuite() {
    node_.reset();
    llm_.reset();
    for (auto* p : {&remote_, &poller_}) {
      if (*p)
        (*p)->stop();
      p->reset();
    }
    work_.reset();
    pki_.reset();
  }
  void SetUp() override {
    if (modules_.empty() || nodeProgram_.empty())
      GTEST_SKIP() << "node or the pinned @a2a-js/sdk is not installed: run "
                      "scripts/install-a2a-test-deps.sh <build folder> (make test does)";
    ASSERT_GT(remotePort_, 0) << remote_->output();
    ASSERT_GT(pollerPort_, 0) << poller_->output();
    ASSERT_TRUE(node_ && node_->ready()) << node_->output() << remote_->output();
  }

  static std::string cardUrl() {
    return "https://127.0.0.1:" + std::to_string(remotePort_) + "/.well-known/agent-card.json";
  }

  HttpResponse call(const std::string& method, const std::string& path,
                    const std::string& body = "") {
    TestTlsClient c(clientOptions(*pki_, "node-b", "node-a.mesh"));
    EXPECT_TRUE(c.connect(node_->port())) << c.error();
    HttpResponse r;
    EXPECT_TRUE(c.request(method, path, body, r)) << method << " " << path;
    return r;
  }
  std::string submit(const std::string& agent, const std::string& message) {
    HttpResponse r = call("POST", "/api/tasks",
                          R"({"fromAgent":"me","toAgent":)" + json::quoted(agent) +
                              R"(,"message":)" + json::quoted(message) + "}");
    EXPECT_EQ(r.status, 202) << r.body;
    auto v = json::tryParse(r.body);
    return v ? v->getString("id").value_or("") : "";
  }
  json::Value task(const std::string& id) {
    auto v = json::tryParse(call("GET", "/api/tasks/" + id).body);
    return v ? *v : json::Value();
  }
  json::Value waitForState(const std::string& id, const std::string& state,
                           std::chrono::milliseconds timeout = 15s) {
    json::Value t;
    waitFor(
        [&] {
          t = task(id);
          return t.getString("state") == state;
        },
        timeout);
    return t;
  }
  // The whole event stream of a task that ends (read until the chunked stream's end).
  std::string events(const std::string& id) {
    TestTlsClient c(clientOptions(*pki_, "node-b", "node-a.mesh"));
    EXPECT_TRUE(c.connect(node_->port())) << c.error();
    EXPECT_TRUE(
        c.sendRaw("GET /api/tasks/" + id + "/events HTTP/1.1\r\nHost: node-a.mesh\r\n\r\n"));
    std::string got;
    EXPECT_TRUE(c.readUntil("0\r\n\r\n", got)) << c.error();
    return got;
  }
  // The "execute" record of the remote task whose text is `text`.
  void expectCancelReachesTheRemote(const std::string& agent, const std::string& text);
  static std::optional<json::Value> executed(const std::string& text) {
    for (auto& r : records(record_))
      if (r.getString("event") == std::string("execute") && r.getString("text") == text)
        return r;
    return std::nullopt;
  }

  static std::string modules_;
  static std::string nodeProgram_;
  static std::unique_ptr<TestPki> pki_;
  static std::unique_ptr<TempDir> work_;
  static std::string record_;
  static std::unique_ptr<Process> remote_, poller_; // streaming over mTLS; polled over http
  static int remotePort_, pollerPort_;
  static std::unique_ptr<ScriptedLlmServer> llm_;
  static std::unique_ptr<NodeProcess> node_;
};

std::string A2aAgentTest::modules_;
std::string A2aAgentTest::nodeProgram_;
std::unique_ptr<TestPki> A2aAgentTest::pki_;
std::unique_ptr<TempDir> A2aAgentTest::work_;
std::string A2aAgentTest::record_;
std::unique_ptr<Process> A2aAgentTest::remote_, A2aAgentTest::poller_;
int A2aAgentTest::remotePort_ = 0, A2aAgentTest::pollerPort_ = 0;
std::unique_ptr<ScriptedLlmServer> A2aAgentTest::llm_;
std::unique_ptr<NodeProcess> A2aAgentTest::node_;

TEST_F(A2aAgentTest, TheRemoteAgentIsInTheRosterUnderItsCardsName) {
  HttpResponse r = call("GET", "/api/agents");
  ASSERT_EQ(r.status, 200);
  EXPECT_PRED2(
      contains, r.body,
      R"({"id":"researcher","name":"researcher","provider":"a2a","model":"Test Researcher"})");
  EXPECT_PRED2(
      contains, node_->output(),
      "agent researcher sends tasks to the A2A agent 'Test Researcher' at https://127.0.0.1:" +
          std::to_string(remotePort_) +
          "/a2a/jsonrpc (A2A 1.0, streaming): Looks things up for the rivet-mesh tests");
}

TEST_F(A2aAgentTest, ATaskGetsTheRemotesAnswerAndItsProgressReachesTheEventStream) {
  std::string id = submit("researcher", "capital of France");
  ASSERT_EQ(id.size(), 32u);
  std::string stream = events(id);
  json::Value done = task(id);
  ASSERT_EQ(done.getString("state"), "completed") << done.dump() << node_->output();
  EXPECT_EQ(done.find("result")->getString("response"), "remote answer: capital of France");
  EXPECT_EQ(progressTexts(stream, "status"), std::vector<std::string>{"reading: capital of France"})
      << stream;
  std::string text;
  for (const auto& piece : progressTexts(stream, "text"))
    text += piece;
  EXPECT_EQ(text, "remote answer: capital of France") << stream;
  auto remote = executed("capital of France");
  ASSERT_TRUE(remote) << readFile(record_);
  const json::Value* rivet =
      remote->find("metadata") ? remote->find("metadata")->find("rivet") : nullptr;
  ASSERT_TRUE(rivet) << remote->dump();
  EXPECT_EQ(rivet->getString("taskId"), id) << remote->dump();
  EXPECT_EQ(rivet->getString("fromAgent"), "me") << remote->dump();
}

TEST_F(A2aAgentTest, ARemoteFailureEndsTheTaskFailedWithTheRemotesText) {
  std::string id = submit("researcher", "please fail");
  json::Value done = waitForState(id, "failed");
  ASSERT_EQ(done.getString("state"), "failed") << done.dump();
  EXPECT_PRED2(contains, done.dump(),
               "failed the task (TASK_STATE_FAILED): remote failure for: please fail");
}

// `agent` runs a slow remote task; its status updates reach the task's event stream, and a
// cancel through the task API reaches the remote agent as CancelTask.
void A2aAgentTest::expectCancelReachesTheRemote(const std::string& agent, const std::string& text) {
  std::string id = submit(agent, text);
  ASSERT_TRUE(waitFor([&] { return executed(text).has_value(); }, 10s))
      << readFile(record_) << node_->output();
  const std::string remoteTask = executed(text)->getString("taskId").value_or("?");
  // The remote's status updates arrive on the task's event stream while it runs.
  TestTlsClient watch(clientOptions(*pki_, "node-b", "node-a.mesh"));
  ASSERT_TRUE(watch.connect(node_->port())) << watch.error();
  ASSERT_TRUE(
      watch.sendRaw("GET /api/tasks/" + id + "/events HTTP/1.1\r\nHost: node-a.mesh\r\n\r\n"));
  std::string seen;
  ASSERT_TRUE(watch.readUntil("tick 2", seen)) << watch.error() << seen;
  EXPECT_PRED2(contains, seen, R"("kind":"status","text":"tick 1","agent":)" + json::quoted(agent));
  HttpResponse r = call("POST", "/api/tasks/" + id + "/cancel");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_PRED2(contains, r.body, R"("state":"canceled")");
  auto cancelled = [&] {
    for (auto& rec : records(record_))
      if (rec.getString("event") == std::string("cancel") && rec.getString("taskId") == remoteTask)
        return true;
    return false;
  };
  EXPECT_TRUE(waitFor(cancelled, 5s)) << readFile(record_) << node_->output();
}

TEST_F(A2aAgentTest, ACancelReachesTheRemoteAgent) {
  expectCancelReachesTheRemote("researcher", "slow research");
}

TEST_F(A2aAgentTest, AnAgentWithoutStreamingIsPolledWithGetTask) {
  std::string id = submit("poller", "capital of Spain");
  json::Value done = waitForState(id, "completed");
  ASSERT_EQ(done.getString("state"), "completed") << done.dump() << node_->output();
  EXPECT_EQ(done.find("result")->getString("response"), "remote answer: capital of Spain");
  EXPECT_PRED2(contains, node_->output(),
               "agent poller sends tasks to the A2A agent 'Test Researcher' at http://127.0.0.1:" +
                   std::to_string(pollerPort_) + "/a2a/jsonrpc (A2A 1.0, not streaming)");
}

TEST_F(A2aAgentTest, ACancelReachesAPolledRemoteAgent) {
  expectCancelReachesTheRemote("poller", "slow polled research");
}

TEST_F(A2aAgentTest, AnOpenAiAgentReachesTheA2aAgentThroughDelegateTask) {
  llm_->script(ScriptedReply{
      200, openai_reply::toolCalls(
               {{"call_1", R"({"to_agent":"researcher","task":"what is a mesh"})"}})});
  llm_->script([](const RecordedRequest& r) {
    std::string tool;
    json::Value body = r.json();
    for (const auto& m : body.find("messages")->items())
      if (m.getString("role") == std::string("tool"))
        tool = m.getString("content").value_or("");
    return ScriptedReply{200, openai_reply::text("gpt-test", "lead says: " + tool)};
  });
  const size_t before = llm_->requests().size();
  std::string id = submit("lead", "ask the researcher");
  json::Value done = waitForState(id, "completed");
  ASSERT_EQ(done.getString("state"), "completed") << done.dump() << node_->output();
  EXPECT_EQ(done.find("result")->getString("response"), "lead says: remote answer: what is a mesh");
  auto sent = llm_->requests();
  ASSERT_EQ(sent.size(), before + 2);
  EXPECT_PRED2(contains, sent[before].body, "researcher") << "the roster names the A2A agent";
  EXPECT_PRED2(contains, sent[before].body, "provider a2a, model Test Researcher");
  auto remote = executed("what is a mesh");
  ASSERT_TRUE(remote) << readFile(record_);
  EXPECT_EQ(remote->find("metadata")->find("rivet")->getString("fromAgent"), "lead");
}

} // namespace
} // namespace rivet::test
