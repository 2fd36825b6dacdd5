// The a2a agent, driven by the SDK's fake host, against a scripted A2A agent: the scripted HTTP
// server of tests/support serves the Agent Card on GET and scripted JSON-RPC answers (whole or
// as SSE, an event or a byte at a time, stalling) on POST. Settings, the card, the mapping of
// A2A states and events to the mesh task, cancellation, deadlines and hostile answers.
#include "LlmAgentKit.hpp"
#include "ScriptedLlmServer.hpp"
#include "TestCertificate.hpp"

#include <rivet/sdk/testing/fake_host.hpp>

#include <Poco/Net/SSLManager.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/StreamSocket.h>

#include <gtest/gtest.h>

#include <sys/stat.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

namespace {

using rivet::sdk::testing::FakeHost;
using rivet::sdk::testing::TaskSpec;
using rivet::test::contains;
using rivet::test::eventStream;
using rivet::test::progressOf;
using rivet::test::RecordedRequest;
using rivet::test::refusalFor;
using rivet::test::ScriptedLlmServer;
using rivet::test::ScriptedReply;
using rivet::test::ScriptStep;
using rivet::test::StartedAgent;
using rivet::test::str;
namespace json = rivet::sdk::json;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;
using Pace = ScriptedReply::Pace;

// ---- A2A 1.0 results, as the @a2a-js/sdk server writes them --------------------------------

std::string q(const std::string& s) {
  return json::quoted(s);
}
std::string agentMessage(const std::string& text) {
  return R"({"messageId":"m-)" + std::to_string(text.size()) +
         R"(","role":"ROLE_AGENT","parts":[{"text":)" + q(text) + "}]}";
}
std::string statusJson(const std::string& state, const std::string& text) {
  return R"({"state":)" + q(state) + (text.empty() ? "" : R"(,"message":)" + agentMessage(text)) +
         "}";
}
std::string task(const std::string& id, const std::string& state, const std::string& text = "",
                 const std::string& artifactsJson = "") {
  return R"({"task":{"id":)" + q(id) + R"(,"contextId":"ctx-1","status":)" +
         statusJson(state, text) +
         (artifactsJson.empty() ? "" : R"(,"artifacts":)" + artifactsJson) + "}}";
}
std::string bareTask(const std::string& id, const std::string& state, const std::string& text = "",
                     const std::string& artifactsJson = "") {
  std::string t = task(id, state, text, artifactsJson);
  return t.substr(8, t.size() - 9); // without {"task": ... }
}
std::string status(const std::string& id, const std::string& state, const std::string& text = "") {
  return R"({"statusUpdate":{"taskId":)" + q(id) + R"(,"contextId":"ctx-1","status":)" +
         statusJson(state, text) + "}}";
}
std::string artifact(const std::string& id, const std::string& artifactId, const std::string& text,
                     bool append = false) {
  return R"({"artifactUpdate":{"taskId":)" + q(id) +
         R"(,"contextId":"ctx-1","artifact":{"artifactId":)" + q(artifactId) +
         R"(,"parts":[{"text":)" + q(text) + "}]}" + (append ? R"(,"append":true)" : "") + "}}";
}
std::string artifactsJson(const std::string& text) {
  return R"([{"artifactId":"a","parts":[{"text":)" + q(text) + "}]}]";
}
std::string rpcId(const RecordedRequest& r) {
  const json::Value body = r.json();
  const json::Value* id = body.find("id");
  return id ? id->dump() : "null";
}
std::string response(const std::string& id, const std::string& result) {
  return R"({"jsonrpc":"2.0","id":)" + id + R"(,"result":)" + result + "}";
}
// An SSE answer of `results`, each a JSON-RPC response to the request it answers.
ScriptStep streamOf(std::vector<std::string> results, Pace pace = Pace::ByEvent) {
  return [results, pace](const RecordedRequest& r) {
    std::string sse;
    for (const auto& result : results)
      sse += "data: " + response(rpcId(r), result) + "\n\n";
    return eventStream(sse, pace);
  };
}
ScriptStep whole(const std::string& result) {
  return [result](const RecordedRequest& r) {
    return ScriptedReply{200, response(rpcId(r), result)};
  };
}
ScriptStep raw(ScriptedReply reply) {
  return [reply](const RecordedRequest&) { return reply; };
}

std::string cardJson(const std::string& endpoint, bool streaming,
                     const std::string& name = "Finder") {
  return R"({"name":)" + q(name) +
         R"(,"description":"Finds things","version":"1.0.0","supportedInterfaces":[{"url":)" +
         q(endpoint) + R"(,"protocolBinding":"JSONRPC","protocolVersion":"1.0"}],)" +
         R"("capabilities":{"streaming":)" + (streaming ? "true" : "false") +
         R"(},"skills":[{"id":"s","name":"search","description":"searches the web"}]})";
}

// A scripted A2A agent on a ScriptedLlmServer: GET answers the card, POST the next scripted
// JSON-RPC step (CancelTask, when not scripted, answers the task as canceled).
class A2aServer {
public:
  explicit A2aServer(Poco::Net::Context::Ptr tls = nullptr, bool streaming = true)
      : server_(tls), state_(std::make_shared<State>()) {
    state_->card = cardJson(endpoint(), streaming);
    auto state = state_;
    for (int i = 0; i < 400; ++i)
      server_.script([state](const RecordedRequest& r) { return state->answer(r); });
  }
  std::string base() const {
    return std::string(https() ? "https" : "http") +
           "://127.0.0.1:" + std::to_string(server_.port());
  }
  std::string cardUrl() const { return base() + "/.well-known/agent-card.json"; }
  std::string endpoint() const { return base() + "/a2a"; }
  void card(const std::string& json) {
    std::lock_guard<std::mutex> lock(state_->mutex);
    state_->card = json;
    state_->cardReply.reset();
  }
  void cardReply(ScriptedReply reply) {
    std::lock_guard<std::mutex> lock(state_->mutex);
    state_->cardReply = std::make_unique<ScriptedReply>(std::move(reply));
  }
  void rpc(ScriptStep step) {
    std::lock_guard<std::mutex> lock(state_->mutex);
    state_->steps.push_back(std::move(step));
  }
  /// The JSON-RPC requests (POSTs) so far.
  std::vector<RecordedRequest> calls() const {
    std::vector<RecordedRequest> out;
    for (auto& r : server_.requests())
      if (r.method == "POST")
        out.push_back(r);
    return out;
  }
  size_t cardFetches() const {
    size_t n = 0;
    for (auto& r : server_.requests())
      n += r.method == "GET";
    return n;
  }
  /// The methods of the calls so far, in order.
  std::vector<std::string> methods() const {
    std::vector<std::string> out;
    for (auto& r : calls())
      out.push_back(str(r.json(), "method"));
    return out;
  }
  bool waitForCalls(size_t n, milliseconds limit) const {
    auto end = Clock::now() + limit;
    while (calls().size() < n && Clock::now() < end)
      std::this_thread::sleep_for(milliseconds(10));
    return calls().size() >= n;
  }

private:
  bool https() const { return server_.baseUrl().rfind("https", 0) == 0; }
  struct State {
    std::mutex mutex;
    std::string card;
    std::unique_ptr<ScriptedReply> cardReply;
    std::deque<ScriptStep> steps;
    ScriptedReply answer(const RecordedRequest& r) {
      ScriptStep step;
      {
        std::lock_guard<std::mutex> lock(mutex);
        if (r.method == "GET")
          return cardReply ? *cardReply : ScriptedReply{200, card};
        if (!steps.empty()) {
          step = std::move(steps.front());
          steps.pop_front();
        }
      }
      if (step)
        return step(r);
      auto body = r.json();
      if (str(body, "method") == "CancelTask") {
        const json::Value* params = body.find("params");
        return {200, response(rpcId(r), bareTask(params ? str(*params, "id") : "?",
                                                 "TASK_STATE_CANCELED", "cancelled on request"))};
      }
      return {500, R"({"error":"no scripted reply"})"};
    }
  };
  ScriptedLlmServer server_;
  std::shared_ptr<State> state_;
};

std::string settingsFor(const A2aServer& server, const std::string& extra = "") {
  return R"({"card_url":)" + q(server.cardUrl()) + R"(,"allow_http":true)" +
         (extra.empty() ? "" : "," + extra) + "}";
}

bool logged(const FakeHost& host, const std::string& part) {
  for (const auto& line : host.logs)
    if (contains(line.message, part))
      return true;
  return false;
}

// A loopback port nobody listens on.
int closedPort() {
  Poco::Net::ServerSocket socket(Poco::Net::SocketAddress("127.0.0.1", 0));
  int port = socket.address().port();
  socket.close();
  return port;
}

// A hand-written A2A server for what the scripted server cannot do (a reset, a slow drip): it
// answers GET with the card and gives each POST's socket to `onPost` (then closes it).
class RawA2aServer {
public:
  /// `id`: the JSON-RPC id of the request, as JSON.
  using OnPost = std::function<void(Poco::Net::StreamSocket&, const std::string& id,
                                    const std::atomic<bool>& done)>;
  explicit RawA2aServer(OnPost onPost)
      : listener_(Poco::Net::SocketAddress("127.0.0.1", 0)), onPost_(std::move(onPost)) {
    thread_ = std::thread([this] { serve(); });
  }
  ~RawA2aServer() {
    done_ = true;
    thread_.join();
  }
  std::string base() const {
    return "http://127.0.0.1:" + std::to_string(listener_.address().port());
  }
  std::string cardUrl() const { return base() + "/.well-known/agent-card.json"; }
  std::string endpoint() const { return base() + "/a2a"; }
  int posts() const { return posts_; }

private:
  void serve() {
    for (int served = 0; served < 20 && !done_;) {
      if (!listener_.poll(Poco::Timespan(0, 50000), Poco::Net::Socket::SELECT_READ))
        continue;
      ++served;
      Poco::Net::StreamSocket s = listener_.acceptConnection();
      s.setReceiveTimeout(Poco::Timespan(2, 0));
      std::string request;
      char buf[4096];
      try {
        while (request.find("\r\n\r\n") == std::string::npos) {
          int n = s.receiveBytes(buf, sizeof buf);
          if (n <= 0)
            break;
          request.append(buf, static_cast<size_t>(n));
        }
        if (request.rfind("GET", 0) == 0) {
          std::string body = cardJson(endpoint(), true);
          std::string head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                             "Content-Length: " +
                             std::to_string(body.size()) + "\r\n\r\n";
          s.sendBytes((head + body).data(), static_cast<int>(head.size() + body.size()));
        } else {
          ++posts_;
          const size_t start = request.find("\r\n\r\n") + 4;
          const size_t length = std::stoul(request.substr(request.find("Content-Length: ") + 16));
          while (request.size() < start + length) {
            int n = s.receiveBytes(buf, sizeof buf);
            if (n <= 0)
              break;
            request.append(buf, static_cast<size_t>(n));
          }
          const json::Value body = json::parse(request.substr(start));
          const std::string id = body.find("id") ? body.find("id")->dump() : "null";
          if (str(body, "method") == "CancelTask") {
            std::string answer = response(id, bareTask("t1", "TASK_STATE_CANCELED"));
            std::string head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                               "Content-Length: " +
                               std::to_string(answer.size()) + "\r\n\r\n";
            s.sendBytes((head + answer).data(), static_cast<int>(head.size() + answer.size()));
          } else {
            onPost_(s, id, done_);
          }
        }
        s.close();
      } catch (const Poco::Exception&) {
      }
    }
  }
  Poco::Net::ServerSocket listener_;
  OnPost onPost_;
  std::atomic<bool> done_{false};
  std::atomic<int> posts_{0};
  std::thread thread_;
};

// ---- settings ---------------------------------------------------------------------------

TEST(A2aAgentSettings, RefusesAMissingCardUrlNamingTheKey) {
  auto refusal = refusalFor("{}");
  EXPECT_TRUE(contains(refusal, "agents.agent.card_url is required")) << refusal;
}

TEST(A2aAgentSettings, RefusesPlainHttpUnlessAllowHttp) {
  auto refusal = refusalFor(R"({"card_url":"http://127.0.0.1:1/.well-known/agent-card.json"})");
  EXPECT_TRUE(contains(
      refusal,
      "agents.agent.card_url 'http://127.0.0.1:1/.well-known/agent-card.json' is plain http"))
      << refusal;
  EXPECT_TRUE(contains(refusal, "allow_http: true")) << refusal;
  EXPECT_EQ(refusalFor(R"({"card_url":"http://127.0.0.1:1/c","allow_http":true})"), "");
  EXPECT_TRUE(contains(refusalFor(R"({"card_url":"ftp://h/c"})"), "must start with https://"));
  EXPECT_TRUE(contains(refusalFor(R"({"card_url":"https:///c"})"), "names no host"));
}

TEST(A2aAgentSettings, RefusesValuesOfTheWrongTypeNamingTheKey) {
  const std::string url = R"("card_url":"https://127.0.0.1:1/c")";
  EXPECT_TRUE(
      contains(refusalFor("{" + url + R"(,"card_refresh_s":"soon"})"),
               "agents.agent.card_refresh_s must be a whole number of seconds, at least 5"));
  EXPECT_TRUE(contains(refusalFor("{" + url + R"(,"card_refresh_s":1})"), "at least 5"));
  EXPECT_TRUE(contains(refusalFor("{" + url + R"(,"timeout_ms":0})"), "agents.agent.timeout_ms"));
  EXPECT_TRUE(contains(refusalFor("{" + url + R"(,"allow_http":"yes"})"),
                       "agents.agent.allow_http must be true or false"));
  EXPECT_TRUE(contains(refusalFor("{" + url + R"(,"ca_file":"/nonexistent/ca.pem"})"),
                       "agents.agent.ca_file /nonexistent/ca.pem cannot be read"));
  EXPECT_TRUE(contains(refusalFor("[1]"), "agents.agent: the settings are not a map"));
}

TEST(A2aAgentSettings, RefusesHalfAClientCertificateOrTwoOfThem) {
  rivet::test::TestCertificate cert;
  const std::string url = R"("card_url":"https://127.0.0.1:1/c")";
  EXPECT_TRUE(contains(refusalFor("{" + url + R"(,"client_cert":")" + cert.certPath() + "\"}"),
                       "agents.agent.client_cert is set without client_key"));
  EXPECT_TRUE(contains(refusalFor("{" + url + R"(,"client_key":")" + cert.keyPath() + "\"}"),
                       "agents.agent.client_key is set without client_cert"));
  EXPECT_TRUE(contains(refusalFor("{" + url + R"(,"use_node_certificate":true,"client_cert":")" +
                                  cert.certPath() + R"(","client_key":")" + cert.keyPath() + "\"}"),
                       "choose one certificate"));
}

TEST(A2aAgentSettings, UseNodeCertificateNeedsTheNodesMeshCertificate) {
  FakeHost host("agent", R"({"card_url":"https://127.0.0.1:1/c","use_node_certificate":true})");
  rivet::sdk::testing::PluginHarness agent(&rivet_plugin_entry, host);
  try {
    agent.create();
    FAIL() << "accepted use_node_certificate without a node certificate";
  } catch (const std::runtime_error& e) {
    EXPECT_TRUE(contains(e.what(), "agents.agent.use_node_certificate is true, but this node has "
                                   "no mesh certificate"))
        << e.what();
  }
}

class TokenFile {
public:
  TokenFile(const std::string& content, mode_t mode)
      : path_(std::filesystem::temp_directory_path() /
              ("rivet-a2a-token-" + std::to_string(::getpid()) + "-" + std::to_string(++count_))) {
    std::ofstream(path_) << content;
    ::chmod(path_.c_str(), mode);
  }
  ~TokenFile() { std::filesystem::remove(path_); }
  std::string path() const { return path_.string(); }

private:
  static inline int count_ = 0;
  std::filesystem::path path_;
};

TEST(A2aAgentSettings, RefusesATokenFileOthersMayReadOrThatIsNotOneLine) {
  const std::string url = R"({"card_url":"https://127.0.0.1:1/c","token_file":)";
  TokenFile groupReadable("secret\n", 0640);
  auto refusal = refusalFor(url + q(groupReadable.path()) + "}");
  EXPECT_TRUE(contains(refusal, "agents.agent.token_file " + groupReadable.path() +
                                    " may be read or written by its group or others (mode 640)"))
      << refusal;
  EXPECT_TRUE(contains(refusal, "chmod 600 " + groupReadable.path())) << refusal;
  TokenFile empty("\n", 0600);
  EXPECT_TRUE(contains(refusalFor(url + q(empty.path()) + "}"), "is empty"));
  TokenFile twoLines("one\ntwo\n", 0600);
  EXPECT_TRUE(contains(refusalFor(url + q(twoLines.path()) + "}"), "on one line"));
  EXPECT_TRUE(contains(refusalFor(url + R"("/nonexistent/token"})"),
                       "agents.agent.token_file /nonexistent/token cannot be read"));
  TokenFile good("secret-token\n", 0600);
  EXPECT_EQ(refusalFor(url + q(good.path()) + "}"), "");
}

TEST(A2aAgentSettings, WarnsAboutUnknownSettingsNamingTheAgent) {
  StartedAgent agent("finder", R"({"card_url":"http://127.0.0.1:)" + std::to_string(closedPort()) +
                                   R"(/c","allow_http":true,"modle":"x"})");
  EXPECT_TRUE(logged(agent.host, "agents.finder: unknown setting 'modle' is ignored"));
}

// ---- the card --------------------------------------------------------------------------

TEST(A2aAgentCard, DescribesWithTheCardsNameAndLogsWhatItOffers) {
  A2aServer server;
  StartedAgent agent("finder", settingsFor(server));
  EXPECT_EQ(
      agent.agent.describe(),
      R"j({"provider":"a2a","model":"Finder","description":"Finds things (skills: search: searches the web)"})j");
  ASSERT_EQ(server.cardFetches(), 1u);
  EXPECT_TRUE(logged(agent.host, "agent finder sends tasks to the A2A agent 'Finder' at " +
                                     server.endpoint() + " (A2A 1.0, streaming): Finds things"));
}

TEST(A2aAgentCard, WithoutACardTasksFailNamingTheUrlUntilItLoads) {
  A2aServer server;
  server.cardReply({503, "down for maintenance", "text/plain"});
  StartedAgent agent("finder", settingsFor(server));
  EXPECT_TRUE(logged(agent.host, "could not load the Agent Card from " + server.cardUrl() +
                                     ": the Agent Card at " + server.cardUrl() +
                                     " answered HTTP 503"));
  EXPECT_TRUE(logged(agent.host, "its tasks fail until the card loads"));
  EXPECT_EQ(agent.agent.describe(), R"({"provider":"a2a"})");
  auto reply = agent.agent.handle("find x");
  EXPECT_EQ(reply.status, RIVET_TASK_FAILED);
  EXPECT_TRUE(contains(reply.text, "agent finder has no usable Agent Card: the Agent Card at " +
                                       server.cardUrl() + " answered HTTP 503"))
      << reply.text;
  EXPECT_TRUE(server.calls().empty());

  server.card(cardJson(server.endpoint(), true));
  server.rpc(streamOf({task("t1", "TASK_STATE_WORKING"), artifact("t1", "a", "found x"),
                       status("t1", "TASK_STATE_COMPLETED")}));
  reply = agent.agent.handle("find x");
  EXPECT_EQ(reply.status, RIVET_TASK_COMPLETED) << reply.text;
  EXPECT_EQ(reply.text, "found x");
}

TEST(A2aAgentCard, RefusesHostileCardsSayingWhy) {
  struct Case {
    std::string body;
    std::string why;
  };
  A2aServer probe;
  const std::vector<Case> cases = {
      {"<html>hello</html>", "is not JSON"},
      {"[1,2]", "is not a JSON object"},
      {R"({"name":"Old","url":"https://x/a2a","preferredTransport":"JSONRPC"})",
       "is an A2A 0.3 card"},
      {R"({"name":"G","supportedInterfaces":[{"url":"https://x/g","protocolBinding":"GRPC","protocolVersion":"1.0"}]})",
       "offers no JSONRPC interface for A2A 1.x (it offers: GRPC 1.0)"},
      {R"({"name":"V","supportedInterfaces":[{"url":"https://x/g","protocolBinding":"JSONRPC","protocolVersion":"0.3"}]})",
       "offers no JSONRPC interface for A2A 1.x (it offers: JSONRPC 0.3)"},
      {R"({"supportedInterfaces":"all of them"})", "has no supportedInterfaces list"},
      {R"({"supportedInterfaces":[{"url":"ftp://x/y","protocolBinding":"JSONRPC"}]})",
       "which is not an https URL"},
      {std::string(300 * 1024, ' ') + "{}", "the answer is larger than 262144 bytes"},
      {std::string(200, '['), "is not JSON"},
  };
  for (const auto& c : cases) {
    A2aServer server;
    server.cardReply({200, c.body});
    StartedAgent agent("finder", settingsFor(server));
    EXPECT_TRUE(logged(agent.host, "could not load the Agent Card from " + server.cardUrl()))
        << c.why;
    EXPECT_TRUE(logged(agent.host, c.why)) << c.why << ": " << agent.host.logs.back().message;
  }
  (void)probe;
}

TEST(A2aAgentCard, AFailedCallFetchesTheCardAgainAndTheNewEndpointServesTheNextTask) {
  A2aServer server;
  StartedAgent agent("finder", settingsFor(server));
  server.rpc(raw({404, "no such path", "text/plain"}));
  auto reply = agent.agent.handle("one");
  EXPECT_EQ(reply.status, RIVET_TASK_FAILED);
  EXPECT_TRUE(contains(reply.text,
                       "the remote agent 'Finder' at " + server.endpoint() + " answered HTTP 404"))
      << reply.text;
  EXPECT_TRUE(contains(reply.text, "the card is fetched again")) << reply.text;
  // The card now names another endpoint (and another name): fetched again after the failure.
  // (The logs are read once the agent has stopped: its refresh thread writes them.)
  server.card(cardJson(server.base() + "/v2/a2a", true, "Finder 2"));
  auto end = Clock::now() + milliseconds(5000);
  while (!contains(agent.agent.describe(), "Finder 2") && Clock::now() < end)
    std::this_thread::sleep_for(milliseconds(20));
  ASSERT_EQ(server.cardFetches(), 2u);
  server.rpc(streamOf({task("t2", "TASK_STATE_COMPLETED", "", artifactsJson("two"))}));
  reply = agent.agent.handle("two");
  EXPECT_EQ(reply.status, RIVET_TASK_COMPLETED) << reply.text;
  EXPECT_EQ(server.calls().back().uri, "/v2/a2a");

  // The card breaks: after the next failed call the fetch fails, and the good card stays.
  server.cardReply({200, "{not json"});
  server.rpc(raw({500, "oops", "text/plain"}));
  EXPECT_EQ(agent.agent.handle("three").status, RIVET_TASK_FAILED);
  end = Clock::now() + milliseconds(5000);
  while (server.cardFetches() < 3 && Clock::now() < end)
    std::this_thread::sleep_for(milliseconds(20));
  ASSERT_EQ(server.cardFetches(), 3u);
  std::this_thread::sleep_for(milliseconds(300)); // the answer is read and refused
  server.rpc(streamOf({task("t4", "TASK_STATE_COMPLETED", "", artifactsJson("four"))}));
  reply = agent.agent.handle("four");
  EXPECT_EQ(reply.text, "four");
  EXPECT_EQ(server.calls().back().uri, "/v2/a2a");
  agent.agent.stop();
  EXPECT_TRUE(logged(agent.host, "changed, now 'Finder 2' at " + server.base() +
                                     "/v2/a2a (A2A 1.0, streaming); used from the next task on"));
  EXPECT_TRUE(logged(agent.host, "could not load the Agent Card from " + server.cardUrl() +
                                     ": the Agent Card at " + server.cardUrl() + " is not JSON"));
  EXPECT_TRUE(logged(agent.host,
                     "keeping the card loaded before ('Finder 2' at " + server.base() + "/v2/a2a"));
}

// ---- streaming ---------------------------------------------------------------------------

TEST(A2aAgentStream, SendsOneUserTextMessageWithTheMeshIdsAndTheVersionHeader) {
  A2aServer server;
  TokenFile token("tok-123\n", 0600);
  StartedAgent agent("finder", settingsFor(server, R"("token_file":)" + q(token.path())));
  server.rpc(streamOf({task("t1", "TASK_STATE_COMPLETED", "", artifactsJson("ok"))}));
  TaskSpec spec;
  spec.message = "find the mesh → docs";
  spec.fromAgent = "opus";
  spec.taskId = "task-42";
  spec.traceId = "0af7651916cd43dd8448eb211c80319c";
  auto reply = agent.agent.handle(spec);
  ASSERT_EQ(reply.status, RIVET_TASK_COMPLETED) << reply.text;
  auto call = server.calls().at(0);
  EXPECT_EQ(call.uri, "/a2a");
  EXPECT_EQ(call.header("A2A-Version"), "1.0");
  EXPECT_EQ(call.header("Authorization"), "Bearer tok-123");
  EXPECT_EQ(call.header("Accept"), "text/event-stream, application/json");
  auto body = call.json();
  EXPECT_EQ(str(body, "jsonrpc"), "2.0");
  EXPECT_EQ(str(body, "method"), "SendStreamingMessage");
  ASSERT_TRUE(body.find("id") && body.find("id")->isString());
  const json::Value& message = *body.find("params")->find("message");
  EXPECT_EQ(str(message, "role"), "ROLE_USER");
  EXPECT_EQ(str(message, "messageId").size(), 36u);
  ASSERT_EQ(message.find("parts")->items().size(), 1u);
  EXPECT_EQ(str(message.find("parts")->items()[0], "text"), "find the mesh → docs");
  const json::Value& rivet = *message.find("metadata")->find("rivet");
  EXPECT_EQ(str(rivet, "taskId"), "task-42");
  EXPECT_EQ(str(rivet, "traceId"), "0af7651916cd43dd8448eb211c80319c");
  EXPECT_EQ(str(rivet, "fromAgent"), "opus");
  for (const auto& line : agent.host.logs)
    EXPECT_FALSE(contains(line.message, "tok-123")) << line.message;
  // A second task: a fresh messageId.
  server.rpc(streamOf({task("t2", "TASK_STATE_COMPLETED", "", artifactsJson("ok"))}));
  agent.agent.handle("again");
  EXPECT_NE(str(*server.calls().at(1).json().find("params")->find("message"), "messageId"),
            str(message, "messageId"));
}

TEST(A2aAgentStream, ReportsStatusTextAsProgressAndAnswersWithTheArtifactsInOrder) {
  for (auto pace : {Pace::ByEvent, Pace::ByteAtATime}) {
    A2aServer server;
    StartedAgent agent("finder", settingsFor(server));
    server.rpc(streamOf(
        {task("t1", "TASK_STATE_SUBMITTED"), status("t1", "TASK_STATE_WORKING", "reading the web"),
         artifact("t1", "a", "Paris is "), artifact("t1", "a", "the capital", true),
         status("t1", "TASK_STATE_WORKING", "checking"), artifact("t1", "b", "Sources: wiki"),
         status("t1", "TASK_STATE_COMPLETED", "done")},
        pace));
    auto reply = agent.agent.handle("capital of France?");
    EXPECT_EQ(reply.status, RIVET_TASK_COMPLETED) << reply.text;
    EXPECT_EQ(reply.text, "Paris is the capital\nSources: wiki");
    EXPECT_EQ(progressOf(agent.host, "status"),
              (std::vector<std::string>{"reading the web", "checking"}));
    EXPECT_EQ(progressOf(agent.host, "text"),
              (std::vector<std::string>{"Paris is ", "the capital", "Sources: wiki"}));
  }
}

TEST(A2aAgentStream, AnArtifactSentAgainWithoutAppendReplacesItsText) {
  A2aServer server;
  StartedAgent agent("finder", settingsFor(server));
  server.rpc(streamOf({task("t1", "TASK_STATE_WORKING"), artifact("t1", "a", "draft"),
                       artifact("t1", "a", "final"), status("t1", "TASK_STATE_COMPLETED")}));
  EXPECT_EQ(agent.agent.handle("x").text, "final");
}

TEST(A2aAgentStream, MapsTheRemotesFinalStates) {
  struct Case {
    std::string state;
    std::string expect;
  };
  const std::vector<Case> cases = {
      {"TASK_STATE_FAILED",
       "the remote agent 'Finder' at %E failed the task (TASK_STATE_FAILED): quota exceeded"},
      {"TASK_STATE_REJECTED",
       "the remote agent 'Finder' at %E rejected the task (TASK_STATE_REJECTED): quota exceeded"},
      {"TASK_STATE_CANCELED", "canceled: the remote agent 'Finder' at %E canceled the task "
                              "(TASK_STATE_CANCELED): quota exceeded"},
      {"TASK_STATE_INPUT_REQUIRED",
       "asks for more input (TASK_STATE_INPUT_REQUIRED: quota exceeded); the a2a plugin sends one "
       "message per task and does not support multi-turn conversations"},
      {"TASK_STATE_AUTH_REQUIRED",
       "asks for authorization (TASK_STATE_AUTH_REQUIRED: quota exceeded)"},
  };
  for (const auto& c : cases) {
    A2aServer server;
    StartedAgent agent("finder", settingsFor(server));
    server.rpc(
        streamOf({task("t1", "TASK_STATE_WORKING"), status("t1", c.state, "quota exceeded")}));
    auto reply = agent.agent.handle("x");
    EXPECT_EQ(reply.status, RIVET_TASK_FAILED) << c.state;
    std::string expect = c.expect;
    if (auto at = expect.find("%E"); at != std::string::npos)
      expect.replace(at, 2, server.endpoint());
    EXPECT_TRUE(contains(reply.text, expect)) << reply.text;
    bool interrupted = contains(c.state, "REQUIRED");
    EXPECT_EQ(server.methods(),
              interrupted ? (std::vector<std::string>{"SendStreamingMessage", "CancelTask"})
                          : std::vector<std::string>{"SendStreamingMessage"})
        << c.state;
  }
}

TEST(A2aAgentStream, AMessageInsteadOfATaskIsTheAnswer) {
  A2aServer server;
  StartedAgent agent("finder", settingsFor(server));
  server.rpc(streamOf({R"({"message":)" + agentMessage("quick answer") + "}"}));
  auto reply = agent.agent.handle("x");
  EXPECT_EQ(reply.status, RIVET_TASK_COMPLETED) << reply.text;
  EXPECT_EQ(reply.text, "quick answer");
}

TEST(A2aAgentStream, AcceptsAServerThatAnswersTheStreamRequestWithOneResponse) {
  A2aServer server;
  StartedAgent agent("finder", settingsFor(server));
  server.rpc(whole(task("t1", "TASK_STATE_COMPLETED", "", artifactsJson("in one piece"))));
  auto reply = agent.agent.handle("x");
  EXPECT_EQ(reply.status, RIVET_TASK_COMPLETED) << reply.text;
  EXPECT_EQ(reply.text, "in one piece");
}

TEST(A2aAgentStream, StopsReadingAtTheFinalStateAndIgnoresWhatFollows) {
  A2aServer server;
  StartedAgent agent("finder", settingsFor(server));
  server.rpc([](const RecordedRequest& r) {
    std::string sse =
        "data: " +
        response(rpcId(r), task("t1", "TASK_STATE_COMPLETED", "", artifactsJson("done"))) +
        "\n\ndata: this is not json\n\n";
    ScriptedReply reply = eventStream(sse);
    reply.stallAfter = sse.find("\n\n") + 2; // then a stall that would hit the deadline
    return reply;
  });
  auto start = Clock::now();
  auto reply = agent.agent.handle("x", "tester", "", 20000);
  EXPECT_LT(Clock::now() - start, milliseconds(2000));
  EXPECT_EQ(reply.status, RIVET_TASK_COMPLETED) << reply.text;
  EXPECT_EQ(reply.text, "done");
}

// ---- polling (a card without streaming) ----------------------------------------------------

TEST(A2aAgentPoll, SendsMessageThenPollsGetTaskUntilTheTaskEnds) {
  A2aServer server(nullptr, false);
  StartedAgent agent("finder", settingsFor(server, R"("poll_interval_ms":50)"));
  server.rpc(whole(task("t9", "TASK_STATE_SUBMITTED")));
  server.rpc(whole(bareTask("t9", "TASK_STATE_WORKING", "halfway")));
  server.rpc(whole(bareTask("t9", "TASK_STATE_WORKING", "halfway")));
  server.rpc(whole(bareTask("t9", "TASK_STATE_COMPLETED", "", artifactsJson("polled answer"))));
  auto reply = agent.agent.handle("x");
  EXPECT_EQ(reply.status, RIVET_TASK_COMPLETED) << reply.text;
  EXPECT_EQ(reply.text, "polled answer");
  EXPECT_EQ(server.methods(),
            (std::vector<std::string>{"SendMessage", "GetTask", "GetTask", "GetTask"}));
  auto first = server.calls().at(0).json();
  EXPECT_EQ(first.find("params")->find("configuration")->getBool("returnImmediately"), true);
  auto get = server.calls().at(1).json();
  EXPECT_EQ(str(*get.find("params"), "id"), "t9");
  EXPECT_EQ(progressOf(agent.host, "status"), std::vector<std::string>{"halfway"}); // once
}

TEST(A2aAgentPoll, TimesOutAtTimeoutMsAndCancelsTheRemoteTask) {
  A2aServer server(nullptr, false);
  StartedAgent agent("finder", settingsFor(server, R"("poll_interval_ms":50,"timeout_ms":400)"));
  server.rpc(whole(task("t9", "TASK_STATE_WORKING")));
  for (int i = 0; i < 50; ++i)
    server.rpc([](const RecordedRequest& r) {
      bool cancel = str(r.json(), "method") == "CancelTask";
      return whole(bareTask("t9", cancel ? "TASK_STATE_CANCELED" : "TASK_STATE_WORKING"))(r);
    });
  auto start = Clock::now();
  auto reply = agent.agent.handle("x");
  EXPECT_LT(Clock::now() - start, milliseconds(2000));
  EXPECT_EQ(reply.status, RIVET_TASK_TIMEOUT) << reply.text;
  EXPECT_TRUE(contains(reply.text, "had not finished after 400 ms (timeout_ms)")) << reply.text;
  EXPECT_TRUE(contains(reply.text, "sent CancelTask for remote task t9 (now TASK_STATE_CANCELED)"))
      << reply.text;
  EXPECT_EQ(server.methods().back(), "CancelTask");
}

// ---- cancellation and deadlines -----------------------------------------------------------

TEST(A2aAgentCancel, TheHostsCancelSendsCancelTaskForTheRemoteTaskAndEndsAtOnce) {
  A2aServer server;
  StartedAgent agent("finder", settingsFor(server));
  server.rpc([](const RecordedRequest& r) {
    std::string sse =
        "data: " + response(rpcId(r), task("remote-7", "TASK_STATE_WORKING", "thinking")) + "\n\n";
    ScriptedReply reply = eventStream(
        sse + "data: " + response(rpcId(r), status("remote-7", "TASK_STATE_COMPLETED")) + "\n\n");
    reply.stallAfter = sse.size();
    return reply;
  });
  auto run = rivet::test::runAndCancel(
      agent.host, "x", [&] { return !progressOf(agent.host, "status").empty(); },
      milliseconds(10000));
  ASSERT_TRUE(run.cancelled) << run.text;
  EXPECT_LT(run.afterCancel, milliseconds(1000));
  EXPECT_EQ(run.status, RIVET_TASK_FAILED);
  EXPECT_TRUE(contains(run.text, "cancelled by the host while waiting for " + server.endpoint()))
      << run.text;
  EXPECT_TRUE(
      contains(run.text, "sent CancelTask for remote task remote-7 (now TASK_STATE_CANCELED)"))
      << run.text;
  auto cancel = server.calls().back().json();
  EXPECT_EQ(str(cancel, "method"), "CancelTask");
  EXPECT_EQ(str(*cancel.find("params"), "id"), "remote-7");
}

TEST(A2aAgentCancel, AnAlreadyCancelledTaskCallsNobody) {
  A2aServer server;
  StartedAgent agent("finder", settingsFor(server));
  const bool cancelled = true;
  auto reply = agent.agent.handle("x", "tester", "", 60000, &cancelled);
  EXPECT_EQ(reply.status, RIVET_TASK_FAILED);
  EXPECT_TRUE(server.calls().empty());
}

TEST(A2aAgentCancel, ASlowDripEndsAtTheDeadlineAndCancelsTheRemoteTask) {
  // Every 20 ms one more byte of an endless stream of status events.
  RawA2aServer server([](Poco::Net::StreamSocket& s, const std::string& id,
                         const std::atomic<bool>& done) {
    std::string head = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\n";
    s.sendBytes(head.data(), static_cast<int>(head.size()));
    std::string events = "data: " + response(id, task("t1", "TASK_STATE_WORKING")) + "\n\n";
    s.sendBytes(events.data(), static_cast<int>(events.size()));
    const std::string tick = "data: " + response(id, status("t1", "TASK_STATE_WORKING")) + "\n\n";
    for (size_t i = 0; !done && i < 500; ++i) {
      if (s.sendBytes(&tick[i % tick.size()], 1) != 1)
        return;
      std::this_thread::sleep_for(milliseconds(20));
    }
  });
  StartedAgent agent("finder", R"({"card_url":)" + q(server.cardUrl()) +
                                   R"(,"allow_http":true,"timeout_ms":600})");
  auto start = Clock::now();
  auto reply = agent.agent.handle("x");
  EXPECT_LT(Clock::now() - start, milliseconds(3000));
  EXPECT_EQ(reply.status, RIVET_TASK_TIMEOUT) << reply.text;
  EXPECT_TRUE(contains(reply.text, "the stream from " + server.endpoint() +
                                       " had not ended after 600 ms (timeout_ms)"))
      << reply.text;
  EXPECT_TRUE(contains(reply.text, "sent CancelTask for remote task t1 (now TASK_STATE_CANCELED)"))
      << reply.text;
  EXPECT_EQ(server.posts(), 2); // the stream, then CancelTask
}

TEST(A2aAgentCancel, ConnectionRefusedNamesTheEndpoint) {
  A2aServer server;
  StartedAgent agent("finder", settingsFor(server));
  // The card names an endpoint nobody listens on.
  const std::string dead = "http://127.0.0.1:" + std::to_string(closedPort()) + "/a2a";
  server.card(cardJson(dead, true));
  StartedAgent other("other", settingsFor(server));
  auto reply = other.agent.handle("x");
  EXPECT_EQ(reply.status, RIVET_TASK_FAILED);
  EXPECT_TRUE(contains(reply.text, "could not reach " + dead)) << reply.text;
}

// ---- hostile answers ----------------------------------------------------------------------

void expectRefused(const std::vector<std::string>& sseEvents, const std::string& problem,
                   bool cancelSent, Pace pace = Pace::ByEvent) {
  A2aServer server;
  StartedAgent agent("finder", settingsFor(server));
  server.rpc([sseEvents, pace](const RecordedRequest& r) {
    std::string sse;
    for (const auto& e : sseEvents)
      sse += "data: " + (e.front() == '!' ? e.substr(1) : response(rpcId(r), e)) + "\n\n";
    return eventStream(sse, pace);
  });
  auto start = Clock::now();
  auto reply = agent.agent.handle("x");
  EXPECT_LT(Clock::now() - start, milliseconds(10000)) << problem;
  EXPECT_EQ(reply.status, RIVET_TASK_FAILED) << problem;
  EXPECT_TRUE(contains(reply.text, "the remote agent 'Finder' at " + server.endpoint() +
                                       " sent a stream that cannot be used: " + problem))
      << reply.text.substr(0, 500);
  EXPECT_EQ(contains(reply.text, "sent CancelTask for remote task t1"), cancelSent)
      << reply.text.substr(0, 500);
}

TEST(A2aAgentHostile, RefusesAnEventThatIsNotJson) {
  expectRefused({task("t1", "TASK_STATE_WORKING"), "!<html>oops</html>"}, "a response is not JSON",
                true);
}

TEST(A2aAgentHostile, RefusesAResponseToAnotherRequestId) {
  expectRefused({R"(!{"jsonrpc":"2.0","id":"someone-else","result":)" +
                 task("t1", "TASK_STATE_WORKING") + "}"},
                R"(a response answers request id "someone-else" instead of)", false);
}

TEST(A2aAgentHostile, RefusesATaskIdThatSwitches) {
  expectRefused({task("t1", "TASK_STATE_WORKING"), status("t2", "TASK_STATE_COMPLETED")},
                "an event switched from task t1 to task t2", true);
}

TEST(A2aAgentHostile, RefusesResultsOfTheWrongShape) {
  expectRefused({R"({"task":"t1"})"}, "its task is not an object", false);
  expectRefused({R"({"weather":"sunny"})"}, "a result is none of task, message, statusUpdate",
                false);
  expectRefused({task("t1", "TASK_STATE_WORKING"), R"({"statusUpdate":{"taskId":"t1"}})"},
                "a statusUpdate has no status object", true);
  expectRefused({R"(!{"jsonrpc":"2.0","id":1,"result":{}})"}, // an id of the wrong type
                "a response answers request id 1 instead of", false);
}

TEST(A2aAgentHostile, SurfacesAJsonRpcErrorWithItsCodeAndMessage) {
  expectRefused(
      {R"(!{"jsonrpc":"2.0","id":null,"error":{"code":-32009,"message":"version 0.3 only"}})"},
      "it answered with JSON-RPC error -32009: version 0.3 only (the endpoint may not "
      "speak A2A 1.0",
      false);
}

TEST(A2aAgentHostile, RefusesAnEventLargerThanOneMebibyteWithoutWaitingForItsEnd) {
  A2aServer server;
  StartedAgent agent("finder", settingsFor(server));
  server.rpc([](const RecordedRequest&) {
    ScriptedReply reply = eventStream("data: " + std::string(1100 * 1024, 'x'));
    reply.stallAfter = 1100 * 1024; // never ends the event
    return reply;
  });
  auto start = Clock::now();
  auto reply = agent.agent.handle("x");
  EXPECT_LT(Clock::now() - start, milliseconds(5000));
  EXPECT_EQ(reply.status, RIVET_TASK_FAILED);
  EXPECT_TRUE(contains(reply.text, "sent a stream that cannot be used"))
      << reply.text.substr(0, 300);
}

TEST(A2aAgentHostile, RefusesMoreThanTenThousandEvents) {
  std::vector<std::string> events = {task("t1", "TASK_STATE_WORKING")};
  for (int i = 0; i < 10001; ++i)
    events.push_back(status("t1", "TASK_STATE_WORKING"));
  expectRefused(events, "it sent more than 10000 events for one task", true);
}

TEST(A2aAgentHostile, RefusesAnAnswerLargerThanFourMebibytes) {
  std::vector<std::string> events = {task("t1", "TASK_STATE_WORKING")};
  for (int i = 0; i < 5; ++i)
    events.push_back(artifact("t1", "a", std::string(900 * 1024, 'a'), true));
  expectRefused(events, "its answer is larger than 4 MiB", true);
}

TEST(A2aAgentHostile, AStreamThatEndsBeforeTheFinalStateFailsAndCancelsTheRemoteTask) {
  A2aServer server;
  StartedAgent agent("finder", settingsFor(server));
  server.rpc(streamOf({task("t1", "TASK_STATE_WORKING"), artifact("t1", "a", "half an answer")}));
  auto reply = agent.agent.handle("x");
  EXPECT_EQ(reply.status, RIVET_TASK_FAILED);
  EXPECT_TRUE(
      contains(reply.text, "ended its stream before the task finished (TASK_STATE_WORKING)"))
      << reply.text;
  EXPECT_TRUE(contains(reply.text, "sent CancelTask for remote task t1")) << reply.text;
}

TEST(A2aAgentHostile, AConnectionResetMidStreamIsAnErrorNamingTheEndpoint) {
  RawA2aServer server(
      [](Poco::Net::StreamSocket& s, const std::string& id, const std::atomic<bool>&) {
        std::string event = "data: " + response(id, task("t1", "TASK_STATE_WORKING")) + "\n\n";
        std::string head = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\n";
        s.sendBytes(head.data(), static_cast<int>(head.size()));
        s.sendBytes(event.data(), static_cast<int>(event.size() / 2)); // half an event
        s.setLinger(true, 0);                                          // then RST
      });
  StartedAgent agent("finder", R"({"card_url":)" + q(server.cardUrl()) + R"(,"allow_http":true})");
  auto reply = agent.agent.handle("x");
  EXPECT_EQ(reply.status, RIVET_TASK_FAILED);
  EXPECT_TRUE(contains(reply.text, "lost the connection to " + server.endpoint()) ||
              contains(reply.text, "the remote agent 'Finder' at " + server.endpoint() +
                                       " ended its stream before the task finished"))
      << reply.text;
}

TEST(A2aAgentHostile, AnHttpErrorSaysWhatToCheck) {
  A2aServer server;
  StartedAgent agent("finder", settingsFor(server));
  server.rpc(raw({401, R"({"error":"a bearer token is required"})"}));
  auto reply = agent.agent.handle("x");
  EXPECT_EQ(reply.status, RIVET_TASK_FAILED);
  EXPECT_TRUE(contains(reply.text, "answered HTTP 401")) << reply.text;
  EXPECT_TRUE(contains(reply.text, "check token_file")) << reply.text;
  EXPECT_TRUE(contains(reply.text, "a bearer token is required")) << reply.text;
}

// ---- HTTPS -------------------------------------------------------------------------------

// A self-signed client certificate (extendedKeyUsage clientAuth), made by the openssl program.
class ClientCertificate {
public:
  ClientCertificate()
      : dir_(std::filesystem::temp_directory_path() /
             ("rivet-a2a-client-" + std::to_string(::getpid()))) {
    std::filesystem::create_directories(dir_);
    const std::string cmd =
        "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj "
        "/CN=a2a-client -addext basicConstraints=critical,CA:TRUE -addext "
        "keyUsage=critical,digitalSignature,keyCertSign -addext extendedKeyUsage=clientAuth "
        "-keyout " +
        keyPath() + " -out " + certPath() + " 2>/dev/null";
    if (std::system(cmd.c_str()) != 0)
      throw std::runtime_error("openssl could not make a client certificate: " + cmd);
  }
  ~ClientCertificate() { std::filesystem::remove_all(dir_); }
  std::string certPath() const { return (dir_ / "client.crt").string(); }
  std::string keyPath() const { return (dir_ / "client.key").string(); }

private:
  std::filesystem::path dir_;
};

class A2aAgentHttps : public ::testing::Test {
protected:
  void SetUp() override { Poco::Net::initializeSSL(); }
  void TearDown() override { Poco::Net::uninitializeSSL(); }
};

TEST_F(A2aAgentHttps, CompletesTrustingCaFileAndRefusesWithoutIt) {
  rivet::test::TestCertificate cert;
  A2aServer server(cert.serverContext());
  StartedAgent trusted("finder", R"({"card_url":)" + q(server.cardUrl()) + R"(,"ca_file":)" +
                                     q(cert.certPath()) + "}");
  server.rpc(streamOf({task("t1", "TASK_STATE_COMPLETED", "", artifactsJson("over tls"))}));
  auto reply = trusted.agent.handle("x");
  EXPECT_EQ(reply.status, RIVET_TASK_COMPLETED) << reply.text;
  EXPECT_EQ(reply.text, "over tls");

  StartedAgent untrusted("finder", R"({"card_url":)" + q(server.cardUrl()) + "}");
  EXPECT_TRUE(logged(untrusted.host, "TLS with " + server.cardUrl() + " failed"));
  EXPECT_TRUE(logged(untrusted.host, "set ca_file to its CA"));
}

TEST_F(A2aAgentHttps, PresentsTheClientCertificateToAServerThatDemandsOne) {
  rivet::test::TestCertificate serverCert;
  ClientCertificate clientCert;
  Poco::Net::Context::Params p;
  p.privateKeyFile = serverCert.keyPath();
  p.certificateFile = serverCert.certPath();
  p.caLocation = clientCert.certPath();
  p.verificationMode = Poco::Net::Context::VERIFY_STRICT; // a client certificate is required
  p.loadDefaultCAs = false;
  Poco::Net::Context::Ptr tls = new Poco::Net::Context(Poco::Net::Context::TLS_SERVER_USE, p);
  tls->enableExtendedCertificateVerification(false); // the client's address is no name to check
  A2aServer server(tls);
  const std::string base =
      R"({"card_url":)" + q(server.cardUrl()) + R"(,"ca_file":)" + q(serverCert.certPath());
  StartedAgent without("finder", base + "}");
  EXPECT_TRUE(logged(without.host, "could not load the Agent Card from " + server.cardUrl()));

  StartedAgent with("finder", base + R"(,"client_cert":)" + q(clientCert.certPath()) +
                                  R"(,"client_key":)" + q(clientCert.keyPath()) + "}");
  server.rpc(streamOf({task("t1", "TASK_STATE_COMPLETED", "", artifactsJson("mutual"))}));
  auto reply = with.agent.handle("x");
  EXPECT_EQ(reply.status, RIVET_TASK_COMPLETED) << reply.text;
  EXPECT_EQ(reply.text, "mutual");
}

} // namespace
