// The openai agent, driven by the SDK's fake host, against the scripted LLM server running in the
// test process: HTTP, HTTPS, errors, deadlines, and the delegate_task tool loop.
#include "LlmAgentKit.hpp"
#include "OpenAiReplies.hpp"
#include "ScriptedLlmServer.hpp"
#include "TestCertificate.hpp"

#include <rivet/sdk/testing/fake_host.hpp>

#include <Poco/Net/SSLManager.h>
#include <Poco/Net/ServerSocket.h>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <thread>

namespace {

using rivet::sdk::testing::FakeHost;
using rivet::sdk::testing::PluginHarness;
using rivet::test::contains;
using rivet::test::messagesOf;
using rivet::test::refusalFor;
using rivet::test::ScriptedLlmServer;
using rivet::test::ScriptedReply;
using rivet::test::str;
using OpenAiAgent = rivet::test::StartedAgent;
namespace json = rivet::sdk::json;
namespace reply = rivet::test::openai_reply;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// Settings for an agent of `server`'s API, with `extra` JSON members appended.
std::string settingsFor(const std::string& baseUrl, const std::string& extra = "") {
  return R"({"base_url":")" + baseUrl + R"(","model":"llama3.1:8b")" +
         (extra.empty() ? "" : "," + extra) + "}";
}

// A loopback port nobody listens on.
int closedPort() {
  Poco::Net::ServerSocket socket(Poco::Net::SocketAddress("127.0.0.1", 0));
  int port = socket.address().port();
  socket.close();
  return port;
}

TEST(OpenAiAgent, SendsModelMessagesTemperatureAndMaxTokens) {
  ScriptedLlmServer server;
  OpenAiAgent opus("opus", settingsFor(server.baseUrl(), R"("system_prompt":"Be brief.",)"
                                                         R"("temperature":0.2,"max_tokens":256)"));
  ASSERT_EQ(opus.agent.handle("What is a mesh?", "").status, RIVET_TASK_COMPLETED);

  auto requests = server.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].method, "POST");
  EXPECT_EQ(requests[0].uri, "/v1/chat/completions");
  EXPECT_EQ(requests[0].header("Content-Type"), "application/json");
  auto body = requests[0].json();
  EXPECT_EQ(str(body, "model"), "llama3.1:8b");
  auto messages = messagesOf(requests[0]);
  ASSERT_EQ(messages.size(), 2u);
  EXPECT_EQ(str(messages[0], "role"), "system");
  EXPECT_EQ(str(messages[0], "content"), "Be brief.");
  EXPECT_EQ(str(messages[1], "role"), "user");
  EXPECT_EQ(str(messages[1], "content"), "What is a mesh?");
  EXPECT_DOUBLE_EQ(body.find("temperature")->asNumber(), 0.2);
  EXPECT_EQ(body.getInteger("max_tokens"), 256);
  EXPECT_EQ(body.getBool("stream"), true);
  EXPECT_FALSE(body.find("stream_options")); // usage is not read, so not asked for
  EXPECT_EQ(requests[0].header("Accept"), "text/event-stream, application/json");
}

TEST(OpenAiAgent, LeavesOutWhatIsNotConfigured) {
  ScriptedLlmServer server;
  OpenAiAgent opus("opus", settingsFor(server.baseUrl()));
  ASSERT_EQ(opus.agent.handle("hi").status, RIVET_TASK_COMPLETED);

  auto request = server.requests().at(0);
  auto body = request.json();
  auto messages = messagesOf(request);
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(str(messages[0], "role"), "user");
  EXPECT_FALSE(body.find("temperature"));
  EXPECT_FALSE(body.find("max_tokens"));
  EXPECT_EQ(request.header("Authorization"), "");
}

TEST(OpenAiAgent, SendsTheKeyFromTheNamedEnvironmentVariableAsBearer) {
  ::setenv("RIVET_OPENAI_TEST_KEY", "sk-test-123", 1);
  ScriptedLlmServer server;
  OpenAiAgent opus("opus",
                   settingsFor(server.baseUrl(), R"("api_key_env":"RIVET_OPENAI_TEST_KEY")"));
  ASSERT_EQ(opus.agent.handle("hi").status, RIVET_TASK_COMPLETED);
  EXPECT_EQ(server.requests().at(0).header("Authorization"), "Bearer sk-test-123");
  for (const auto& line : opus.host.logs)
    EXPECT_FALSE(contains(line.message, "sk-test-123")) << line.message;
}

TEST(OpenAiAgent, AnswersWithTheAssistantMessageAsCompleted) {
  ScriptedLlmServer server;
  OpenAiAgent opus("opus", settingsFor(server.baseUrl()));
  auto reply = opus.agent.handle("délégation → ok", "");
  EXPECT_EQ(reply.status, RIVET_TASK_COMPLETED);
  EXPECT_EQ(reply.text, "[llama3.1:8b] délégation → ok");
}

TEST(OpenAiAgent, TaskModelOverridesTheConfiguredModel) {
  ScriptedLlmServer server;
  OpenAiAgent opus("opus", settingsFor(server.baseUrl()));
  auto reply = opus.agent.handle("hi", "", "qwen2.5:7b");
  EXPECT_EQ(reply.text, "[qwen2.5:7b] hi");
  EXPECT_EQ(str(server.requests().at(0).json(), "model"), "qwen2.5:7b");
}

TEST(OpenAiAgent, TwoInstancesOfOnePluginDescribeAndUseTheirOwnModel) {
  ScriptedLlmServer server;
  OpenAiAgent opus("opus", R"({"base_url":")" + server.baseUrl() +
                               R"(","model":"claude-opus","provider":"anthropic-proxy"})");
  OpenAiAgent sonnet("sonnet",
                     R"({"base_url":")" + server.baseUrl() + R"(","model":"claude-sonnet"})");
  EXPECT_EQ(opus.agent.describe(), R"({"provider":"anthropic-proxy","model":"claude-opus"})");
  EXPECT_EQ(sonnet.agent.describe(), R"({"provider":"openai","model":"claude-sonnet"})");
  EXPECT_EQ(opus.agent.handle("hi", "").text, "[claude-opus] hi");
  EXPECT_EQ(sonnet.agent.handle("hi", "").text, "[claude-sonnet] hi");
}

TEST(OpenAiAgent, AnswersConcurrentTasksEachWithItsOwnText) {
  ScriptedLlmServer server;
  OpenAiAgent opus("opus", settingsFor(server.baseUrl()));
  std::vector<std::string> replies(4);
  std::vector<std::thread> threads;
  for (size_t i = 0; i < replies.size(); ++i)
    threads.emplace_back(
        [&, i] { replies[i] = opus.agent.handle("task " + std::to_string(i), "").text; });
  for (auto& t : threads)
    t.join();
  for (size_t i = 0; i < replies.size(); ++i)
    EXPECT_EQ(replies[i], "[llama3.1:8b] task " + std::to_string(i));
}

TEST(OpenAiAgent, SurfacesTheProviderErrorMessageAsFailed) {
  ScriptedLlmServer server;
  OpenAiAgent opus("opus", settingsFor(server.baseUrl()));
  struct Case {
    int status;
    std::string message;
  };
  for (const Case& c : {Case{400, "model 'gpt-9' does not exist"},
                        Case{401, "Incorrect API key provided: sk-wrong"},
                        Case{500, "The server had an error while processing your request."}}) {
    server.script({c.status, reply::error(c.message, "invalid_request_error")});
    auto reply = opus.agent.handle("hi");
    EXPECT_EQ(server.requests().back().json().getBool("stream"), true); // JSON errors all the same
    EXPECT_EQ(reply.status, RIVET_TASK_FAILED);
    EXPECT_EQ(reply.text, "provider " + server.baseUrl() + " answered HTTP " +
                              std::to_string(c.status) + ": " + c.message);
  }
}

TEST(OpenAiAgent, SurfacesStringErrorsAndPlainBodiesFromOtherServers) {
  ScriptedLlmServer server;
  OpenAiAgent opus("opus", settingsFor(server.baseUrl()));
  server.script({404, R"({"error":"model \"llama9\" not found, try pulling it first"})"});
  EXPECT_TRUE(contains(opus.agent.handle("hi").text,
                       "answered HTTP 404: model \"llama9\" not found, try pulling it first"));
  server.script({502, "<html>\n  <body>Bad gateway</body>\n</html>", "text/html"});
  EXPECT_TRUE(contains(opus.agent.handle("hi").text,
                       "answered HTTP 502: <html> <body>Bad gateway</body> </html>"));
  server.script({503, ""});
  auto empty = opus.agent.handle("hi").text;
  EXPECT_TRUE(contains(empty, "answered HTTP 503: Service Unavailable (empty body)")) << empty;
}

TEST(OpenAiAgent, FailsWhenASuccessfulAnswerHasNoChoices) {
  ScriptedLlmServer server;
  OpenAiAgent opus("opus", settingsFor(server.baseUrl()));
  server.script({200, R"({"id":"x","object":"chat.completion","choices":[]})"});
  auto reply = opus.agent.handle("hi");
  EXPECT_EQ(reply.status, RIVET_TASK_FAILED);
  EXPECT_TRUE(
      contains(reply.text, "provider " + server.baseUrl() + " answered HTTP 200 without choices"))
      << reply.text;
}

TEST(OpenAiAgent, FailsOnAnAnswerThatIsNotJson) {
  ScriptedLlmServer server;
  OpenAiAgent opus("opus", settingsFor(server.baseUrl()));
  server.script({200, R"({"choices":[{"message":{"content":"cut off)"});
  auto reply = opus.agent.handle("hi");
  EXPECT_EQ(reply.status, RIVET_TASK_FAILED);
  EXPECT_TRUE(contains(reply.text, "answered HTTP 200 with a body that is not a JSON object"))
      << reply.text;
}

TEST(OpenAiAgent, ConnectionRefusedNamesTheUrl) {
  const std::string url = "http://127.0.0.1:" + std::to_string(closedPort()) + "/v1";
  OpenAiAgent opus("opus", settingsFor(url));
  auto reply = opus.agent.handle("hi");
  EXPECT_EQ(reply.status, RIVET_TASK_FAILED);
  EXPECT_TRUE(contains(reply.text, "could not reach " + url + "/chat/completions")) << reply.text;
  EXPECT_TRUE(contains(reply.text, "Connection refused")) << reply.text;
}

TEST(OpenAiAgent, TimesOutAfterTimeoutMsNamingTheUrlAndTheLimit) {
  ScriptedLlmServer server;
  OpenAiAgent opus("opus", settingsFor(server.baseUrl(), R"("timeout_ms":300)"));
  server.script({200, reply::text("m", "late"), "application/json", {}, milliseconds(5000)});
  auto start = Clock::now();
  auto reply = opus.agent.handle("hi");
  EXPECT_LT(Clock::now() - start, milliseconds(2000));
  EXPECT_EQ(reply.status, RIVET_TASK_TIMEOUT);
  EXPECT_TRUE(contains(reply.text, server.baseUrl() + "/chat/completions")) << reply.text;
  EXPECT_TRUE(contains(reply.text, "300 ms (timeout_ms)")) << reply.text;
}

TEST(OpenAiAgent, TimesOutAtTheTaskDeadlineWhenItIsShorter) {
  ScriptedLlmServer server;
  OpenAiAgent opus("opus", settingsFor(server.baseUrl(), R"("timeout_ms":60000)"));
  server.script({200, reply::text("m", "late"), "application/json", {}, milliseconds(5000)});
  auto start = Clock::now();
  auto reply = opus.agent.handle("hi", "tester", "", 250);
  EXPECT_LT(Clock::now() - start, milliseconds(2000));
  EXPECT_EQ(reply.status, RIVET_TASK_TIMEOUT);
  EXPECT_TRUE(contains(reply.text, "250 ms (task deadline)")) << reply.text;
}

TEST(OpenAiAgent, StopsWaitingWhenTheHostCancels) {
  ScriptedLlmServer server;
  FakeHost host("opus", settingsFor(server.baseUrl()));
  const rivet_plugin_descriptor* d = rivet_plugin_entry(RIVET_ABI_MAJOR, RIVET_ABI_MINOR);
  void* instance = nullptr;
  ASSERT_EQ(d->create(host.api(), &instance, nullptr), RIVET_OK);
  server.script({200, reply::text("m", "late"), "application/json", {}, milliseconds(5000)});

  std::atomic<bool> cancelled{false};
  const std::string message = "think hard";
  rivet_task task{};
  task.struct_size = sizeof task;
  task.message = {message.data(), message.size()};
  task.timeout_ms = 60000;
  task.host_data = &cancelled;
  task.is_cancelled = [](const rivet_task* t) -> int {
    return static_cast<std::atomic<bool>*>(t->host_data)->load() ? 1 : 0;
  };
  std::thread host_gives_up([&] {
    std::this_thread::sleep_for(milliseconds(200));
    cancelled = true;
  });
  std::string text;
  rivet_writer out{&text, [](void* ctx, const char* data, size_t len) {
                     static_cast<std::string*>(ctx)->append(data, len);
                   }};
  auto start = Clock::now();
  auto status = static_cast<const rivet_agent_ops*>(d->ops)->handle(instance, &task, &out);
  auto elapsed = Clock::now() - start;
  host_gives_up.join();
  d->destroy(instance);

  EXPECT_EQ(status, RIVET_TASK_FAILED);
  EXPECT_LT(elapsed, milliseconds(1500));
  EXPECT_TRUE(contains(text, "cancelled")) << text;
}

TEST(OpenAiAgent, DoesNotCallTheProviderForAnAlreadyCancelledTask) {
  ScriptedLlmServer server;
  OpenAiAgent opus("opus", settingsFor(server.baseUrl()));
  const bool cancelled = true;
  auto reply = opus.agent.handle("hi", "tester", "", 60000, &cancelled);
  EXPECT_EQ(reply.status, RIVET_TASK_FAILED);
  EXPECT_TRUE(server.requests().empty());
}

class OpenAiAgentHttps : public ::testing::Test {
protected:
  void SetUp() override { Poco::Net::initializeSSL(); }
  void TearDown() override { Poco::Net::uninitializeSSL(); }
};

TEST_F(OpenAiAgentHttps, CompletesOverHttpsTrustingCaPath) {
  rivet::test::TestCertificate cert;
  ScriptedLlmServer server(cert.serverContext());
  OpenAiAgent opus("opus",
                   settingsFor(server.baseUrl(), R"("ca_path":")" + cert.certPath() + "\""));
  auto reply = opus.agent.handle("over tls", "");
  EXPECT_EQ(reply.status, RIVET_TASK_COMPLETED) << reply.text;
  EXPECT_EQ(reply.text, "[llama3.1:8b] over tls");
}

TEST_F(OpenAiAgentHttps, RefusesAServerTheSystemCasDoNotTrust) {
  rivet::test::TestCertificate cert;
  ScriptedLlmServer server(cert.serverContext());
  OpenAiAgent opus("opus", settingsFor(server.baseUrl()));
  auto reply = opus.agent.handle("hi");
  EXPECT_EQ(reply.status, RIVET_TASK_FAILED);
  EXPECT_TRUE(contains(reply.text, "TLS with " + server.baseUrl() + "/chat/completions failed"))
      << reply.text;
  EXPECT_TRUE(contains(reply.text, "ca_path")) << reply.text;
  EXPECT_TRUE(server.requests().empty());
}

TEST_F(OpenAiAgentHttps, TimesOutOverHttps) {
  rivet::test::TestCertificate cert;
  ScriptedLlmServer server(cert.serverContext());
  OpenAiAgent opus("opus", settingsFor(server.baseUrl(),
                                       R"("timeout_ms":300,"ca_path":")" + cert.certPath() + "\""));
  server.script({200, reply::text("m", "late"), "application/json", {}, milliseconds(5000)});
  auto start = Clock::now();
  auto reply = opus.agent.handle("hi");
  EXPECT_LT(Clock::now() - start, milliseconds(2000));
  EXPECT_EQ(reply.status, RIVET_TASK_TIMEOUT) << reply.text;
}

TEST(OpenAiAgentSettings, RefusesAMissingOrInvalidBaseUrl) {
  EXPECT_TRUE(contains(refusalFor(R"({"model":"m"})"), "base_url is required"));
  EXPECT_TRUE(contains(refusalFor(R"({"base_url":"","model":"m"})"), "base_url is required"));
  EXPECT_TRUE(contains(refusalFor(R"({"base_url":"ftp://host/v1","model":"m"})"),
                       "base_url 'ftp://host/v1' must start with http:// or https://"));
  EXPECT_TRUE(contains(refusalFor(R"({"base_url":"127.0.0.1:11434/v1","model":"m"})"),
                       "must start with http:// or https://"));
  EXPECT_TRUE(contains(refusalFor(R"({"base_url":42,"model":"m"})"),
                       "base_url must be an http:// or https:// URL, found the number 42"));
}

TEST(OpenAiAgentSettings, RefusesAMissingModel) {
  EXPECT_TRUE(contains(refusalFor(R"({"base_url":"http://127.0.0.1:1/v1"})"), "model is required"));
  EXPECT_TRUE(contains(refusalFor(R"({"base_url":"http://127.0.0.1:1/v1","model":["a"]})"),
                       "model must be a model name, found a list"));
}

TEST(OpenAiAgentSettings, RefusesAnApiKeyEnvThatIsNotSet) {
  ::unsetenv("RIVET_OPENAI_TEST_UNSET_KEY");
  std::string refusal = refusalFor(
      settingsFor("http://127.0.0.1:1/v1", R"("api_key_env":"RIVET_OPENAI_TEST_UNSET_KEY")"));
  EXPECT_TRUE(contains(refusal, "api_key_env names RIVET_OPENAI_TEST_UNSET_KEY, but that "
                                "environment variable is not set"))
      << refusal;
}

TEST(OpenAiAgentSettings, RefusesValuesOfTheWrongTypeNamingTheKey) {
  const std::string url = "http://127.0.0.1:1/v1";
  EXPECT_TRUE(contains(refusalFor(settingsFor(url, R"("temperature":"warm")")),
                       "temperature must be a number, at least 0 (e.g. 0.7), found the string "
                       "\"warm\""));
  EXPECT_TRUE(contains(refusalFor(settingsFor(url, R"("temperature":-1)")), "temperature must"));
  EXPECT_TRUE(contains(refusalFor(settingsFor(url, R"("max_tokens":0)")),
                       "max_tokens must be a whole number of tokens, at least 1, found the "
                       "number 0"));
  EXPECT_TRUE(contains(refusalFor(settingsFor(url, R"("max_tokens":1.5)")), "max_tokens must"));
  EXPECT_TRUE(contains(refusalFor(settingsFor(url, R"("timeout_ms":true)")),
                       "timeout_ms must be a whole number of milliseconds, at least 1, found "
                       "true"));
  EXPECT_TRUE(contains(refusalFor(settingsFor(url, R"("system_prompt":7)")),
                       "system_prompt must be a string"));
  EXPECT_TRUE(contains(refusalFor(settingsFor(url, R"("ca_path":"/nonexistent/ca.pem")")),
                       "ca_path /nonexistent/ca.pem does not exist"));
  EXPECT_TRUE(contains(refusalFor("[1,2]"), "the settings are not a map"));
}

TEST(OpenAiAgentSettings, AcceptsNullOptionalSettingsAsUnset) {
  EXPECT_EQ(refusalFor(settingsFor("http://127.0.0.1:1/v1/",
                                   R"("temperature":null,"max_tokens":null,"system_prompt":null)")),
            "");
}

TEST(OpenAiAgentSettings, WarnsAboutUnknownSettingsNamingTheKey) {
  OpenAiAgent opus("opus", settingsFor("http://127.0.0.1:1/v1", R"("temprature":0.5)"));
  bool warned = false;
  for (const auto& line : opus.host.logs)
    warned |= line.level == RIVET_LOG_WARN && contains(line.message, "'temprature'");
  EXPECT_TRUE(warned);
}

TEST(OpenAiAgentSettings, DescribesProviderAndModel) {
  OpenAiAgent opus("opus", settingsFor("http://127.0.0.1:1/v1", R"("provider":"ollama")"));
  EXPECT_EQ(opus.agent.describe(), R"({"provider":"ollama","model":"llama3.1:8b"})");
  EXPECT_STREQ(opus.agent.descriptor().name, "openai");
  auto ops = static_cast<const rivet_agent_ops*>(opus.agent.descriptor().ops);
  EXPECT_FALSE(ops->flags & RIVET_AGENT_INLINE); // blocks: runs on the host's worker pool
}

// --- the delegate_task tool loop ---------------------------------------------------------

using reply::Call;
using rivet::sdk::testing::FakeDelegation;
using rivet::sdk::testing::TaskSpec;
using rivet::test::delegation;
using rivet::test::twoAgents;

// An agent of `server` whose host's roster lists grok and echo.
struct DelegatingAgent : OpenAiAgent {
  explicit DelegatingAgent(const ScriptedLlmServer& server, const std::string& extra = "")
      : OpenAiAgent("opus", settingsFor(server.baseUrl(), extra)) {
    host.rosterJson = twoAgents();
  }
};

ScriptedReply callsReply(const std::vector<Call>& calls) {
  return {200, reply::toolCalls(calls)};
}

ScriptedReply finalText(const std::string& text) {
  return {200, reply::text("llama3.1:8b", text)};
}

// The `tool` messages of a recorded request, in order.
std::vector<json::Value> toolMessages(const rivet::test::RecordedRequest& request) {
  std::vector<json::Value> out;
  for (const auto& m : messagesOf(request))
    if (str(m, "role") == "tool")
      out.push_back(m);
  return out;
}

// The `tool` messages of a recorded request as "<tool_call_id>: <content>", in order.
std::vector<std::string> toolAnswers(const rivet::test::RecordedRequest& request) {
  std::vector<std::string> out;
  for (const auto& m : toolMessages(request))
    out.push_back(str(m, "tool_call_id") + ": " + str(m, "content"));
  return out;
}

const std::string kAskGrok = R"({"to_agent":"grok","task":"add 2 and 2"})";

TEST(OpenAiAgentTools, OffersDelegateTaskWithTheRosterInItsDescription) {
  ScriptedLlmServer server;
  DelegatingAgent opus(server);
  ASSERT_EQ(opus.agent.handle("hi").status, RIVET_TASK_COMPLETED);

  auto body = server.requests().at(0).json();
  const json::Value* tools = body.find("tools");
  ASSERT_TRUE(tools && tools->isArray() && tools->items().size() == 1) << body.dump();
  const json::Value& tool = tools->items()[0];
  EXPECT_EQ(str(tool, "type"), "function");
  const json::Value& function = *tool.find("function");
  EXPECT_EQ(str(function, "name"), "delegate_task");
  EXPECT_TRUE(
      contains(str(function, "description"), "- grok (node beta, provider xai, model grok-4)"));
  EXPECT_TRUE(contains(str(function, "description"), "- echo (on this node, alpha"));
  EXPECT_EQ(function.find("parameters")->find("required")->dump(), R"(["to_agent","task"])");
  EXPECT_EQ(opus.host.rosterCalls, 1);
}

TEST(OpenAiAgentTools, TellsTheModelWhichAgentAndNodeAsked) {
  ScriptedLlmServer server;
  OpenAiAgent opus("opus", settingsFor(server.baseUrl()));
  TaskSpec spec;
  spec.message = "review this";
  spec.fromAgent = "grok";
  spec.fromNode = "beta";
  opus.agent.handle(spec);
  spec.fromNode = "";
  opus.agent.handle(spec);
  auto requests = server.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(str(messagesOf(requests[0]).back(), "content"),
            "Task from agent \"grok\" on node \"beta\":\n\nreview this");
  EXPECT_EQ(str(messagesOf(requests[1]).back(), "content"),
            "Task from agent \"grok\":\n\nreview this");
}

TEST(OpenAiAgentTools, RunsAToolCallAndAnswersItWithAToolMessage) {
  ScriptedLlmServer server;
  DelegatingAgent opus(server);
  // The first answer picks the first agent the tool description lists.
  server.script([](const rivet::test::RecordedRequest& r) {
    auto body = r.json();
    std::string description = str(*body.find("tools")->items()[0].find("function"), "description");
    std::string first = description.substr(description.find("\n- ") + 3);
    first = first.substr(0, first.find(' '));
    return callsReply({{"call_1", R"({"to_agent":")" + first + R"(","task":"add 2 and 2"})"}});
  });
  server.script(finalText("grok says 4"));
  opus.host.delegateResultJson = delegation(RIVET_TASK_COMPLETED, "4").resultJson;

  auto result = opus.agent.handle("what is 2+2?");
  EXPECT_EQ(result.status, RIVET_TASK_COMPLETED);
  EXPECT_EQ(result.text, "grok says 4");

  auto delegated = opus.host.delegatedSoFar();
  ASSERT_EQ(delegated.size(), 1u);
  auto request = json::parse(delegated[0]);
  EXPECT_EQ(str(request, "toAgent"), "grok");
  EXPECT_EQ(str(request, "message"), "add 2 and 2");

  auto requests = server.requests();
  ASSERT_EQ(requests.size(), 2u);
  auto messages = messagesOf(requests[1]);
  ASSERT_EQ(messages.size(), 3u);
  EXPECT_EQ(str(messages[1], "role"), "assistant");
  EXPECT_TRUE(messages[1].find("content")->isNull());
  EXPECT_EQ(str(messages[1].find("tool_calls")->items()[0], "id"), "call_1");
  EXPECT_EQ(str(messages[2], "role"), "tool");
  EXPECT_EQ(str(messages[2], "tool_call_id"), "call_1");
  EXPECT_EQ(str(messages[2], "content"), "4");
  EXPECT_EQ(opus.host.rosterCalls, 2); // a fresh roster every turn
}

TEST(OpenAiAgentTools, RunsTheToolCallsOfOneTurnAtTheSameTime) {
  ScriptedLlmServer server;
  DelegatingAgent opus(server);
  rivet::test::Rendezvous both(2);
  opus.host.onDelegate = [&both](const std::string&) {
    bool met = both.arriveAndWait(milliseconds(5000));
    return delegation(met ? RIVET_TASK_COMPLETED : RIVET_TASK_FAILED, met ? "met" : "alone");
  };
  server.script(callsReply({{"a", kAskGrok}, {"b", R"({"to_agent":"echo","task":"ping"})"}}));
  server.script(finalText("done"));

  auto start = Clock::now();
  EXPECT_EQ(opus.agent.handle("fan out").text, "done");
  EXPECT_LT(Clock::now() - start, milliseconds(4000));
  EXPECT_EQ(toolAnswers(server.requests().at(1)), (std::vector<std::string>{"a: met", "b: met"}));
}

TEST(OpenAiAgentTools, GivesFailedAndTimedOutDelegationsToTheModelAndGoesOn) {
  ScriptedLlmServer server;
  DelegatingAgent opus(server);
  opus.host.onDelegate = [](const std::string& request) {
    return contains(request, "\"grok\"") ? delegation(RIVET_TASK_FAILED, "grok crashed")
                                         : delegation(RIVET_TASK_TIMEOUT, "no answer in 100 ms");
  };
  server.script(callsReply({{"a", kAskGrok}, {"b", R"({"to_agent":"echo","task":"ping"})"}}));
  server.script(finalText("I could not get help"));

  auto result = opus.agent.handle("fan out");
  EXPECT_EQ(result.status, RIVET_TASK_COMPLETED);
  EXPECT_EQ(result.text, "I could not get help");
  auto tools = toolMessages(server.requests().at(1));
  ASSERT_EQ(tools.size(), 2u);
  EXPECT_EQ(str(tools[0], "content"), "[failed] grok crashed");
  EXPECT_EQ(str(tools[1], "content"), "[timeout] no answer in 100 ms");
}

TEST(OpenAiAgentTools, AnswersUnusableArgumentsWithWhatToChange) {
  ScriptedLlmServer server;
  DelegatingAgent opus(server);
  server.script(callsReply({{"a", "not json"},
                            {"b", R"({"task":"x"})"},
                            {"c", R"({"to_agent":"nobody","task":"x"})"},
                            {"d", "{}", "web_search"}}));
  server.script(finalText("ok"));

  EXPECT_EQ(opus.agent.handle("go").status, RIVET_TASK_COMPLETED);
  EXPECT_TRUE(opus.host.delegatedSoFar().empty());
  auto tools = toolMessages(server.requests().at(1));
  ASSERT_EQ(tools.size(), 4u);
  EXPECT_TRUE(contains(str(tools[0], "content"), "[failed] delegate_task: the arguments must be "
                                                 "a JSON object"));
  EXPECT_EQ(str(tools[1], "content"),
            "[failed] delegate_task: \"to_agent\" is required and must be one of: grok, echo");
  EXPECT_EQ(str(tools[2], "content"), "[failed] delegate_task: \"nobody\" is not an agent you can "
                                      "delegate to now; choose one of: grok, echo");
  EXPECT_EQ(str(tools[3], "content"),
            "[failed] unknown tool web_search; the only tool is delegate_task");
}

TEST(OpenAiAgentTools, OffersNoToolWhenTheHostRefusesAndRejectsAForcedCall) {
  ScriptedLlmServer server;
  OpenAiAgent opus("opus", settingsFor(server.baseUrl()));
  opus.host.rosterJson = rivet::test::rosterJson({{"grok", "beta", "xai", "grok-4", false}}, false,
                                                 "chain depth 3 reached (max_chain_depth 3)");
  server.script(callsReply({{"a", kAskGrok}}));
  server.script(finalText("alone then"));

  auto result = opus.agent.handle("go");
  EXPECT_EQ(result.status, RIVET_TASK_COMPLETED);
  EXPECT_EQ(result.text, "alone then");
  auto requests = server.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_FALSE(requests[0].json().find("tools"));
  EXPECT_EQ(str(toolMessages(requests[1]).at(0), "content"),
            "[rejected] chain depth 3 reached (max_chain_depth 3)");
  EXPECT_TRUE(opus.host.delegatedSoFar().empty());
}

TEST(OpenAiAgentTools, OffersNoToolWhenDelegationIsOff) {
  ScriptedLlmServer server;
  DelegatingAgent opus(server, R"("delegation":false)");
  server.script(callsReply({{"a", kAskGrok}}));
  server.script(finalText("ok"));

  EXPECT_EQ(opus.agent.handle("go").status, RIVET_TASK_COMPLETED);
  auto requests = server.requests();
  EXPECT_FALSE(requests.at(0).json().find("tools"));
  EXPECT_EQ(str(toolMessages(requests.at(1)).at(0), "content"),
            "[rejected] delegation is turned off for this agent (delegation: false)");
  EXPECT_TRUE(opus.host.delegatedSoFar().empty());
}

TEST(OpenAiAgentTools, FailsAfterMaxToolRoundsNamingTheSetting) {
  ScriptedLlmServer server;
  DelegatingAgent opus(server, R"("max_tool_rounds":2)");
  for (int i = 0; i < 3; ++i)
    server.script(callsReply({{"c" + std::to_string(i), kAskGrok}}));

  auto result = opus.agent.handle("loop forever");
  EXPECT_EQ(result.status, RIVET_TASK_FAILED);
  EXPECT_TRUE(contains(result.text, "max_tool_rounds: 2")) << result.text;
  EXPECT_TRUE(contains(result.text, "raise max_tool_rounds")) << result.text;
  EXPECT_EQ(server.requests().size(), 3u);
  EXPECT_EQ(opus.host.delegatedSoFar().size(), 2u);
}

TEST(OpenAiAgentTools, CapsEachToolResultAtMaxToolResultBytes) {
  ScriptedLlmServer server;
  DelegatingAgent opus(server, R"("max_tool_result_bytes":1024)");
  opus.host.delegateResultJson =
      delegation(RIVET_TASK_COMPLETED, std::string(5000, 'x')).resultJson;
  server.script(callsReply({{"a", kAskGrok}}));
  server.script(finalText("ok"));

  opus.agent.handle("go");
  std::string content = str(toolMessages(server.requests().at(1)).at(0), "content");
  EXPECT_EQ(content.substr(0, 1024), std::string(1024, 'x'));
  EXPECT_TRUE(contains(content, "[truncated: 1024 of 5000 bytes shown]")) << content;
  EXPECT_LT(content.size(), 1100u);
}

TEST(OpenAiAgentTools, StopsWhenTheHostCancelsDuringADelegation) {
  ScriptedLlmServer server;
  DelegatingAgent opus(server);
  bool cancelled = false;
  opus.host.onDelegate = [&cancelled](const std::string&) {
    cancelled = true; // one call runs on the task's own thread
    return delegation(RIVET_TASK_FAILED, "cancelled");
  };
  server.script(callsReply({{"a", kAskGrok}}));
  server.script(finalText("never asked"));
  TaskSpec spec;
  spec.message = "go";
  spec.cancelled = &cancelled;

  auto result = opus.agent.handle(spec);
  EXPECT_EQ(result.status, RIVET_TASK_FAILED);
  EXPECT_TRUE(contains(result.text, "cancelled by the host")) << result.text;
  EXPECT_EQ(server.requests().size(), 1u);
}

TEST(OpenAiAgentTools, KeepsTheWholeLoopWithinTimeoutMs) {
  ScriptedLlmServer server;
  DelegatingAgent opus(server, R"("timeout_ms":800)");
  opus.host.onDelegate = [](const std::string&) {
    std::this_thread::sleep_for(milliseconds(300));
    return delegation(RIVET_TASK_COMPLETED, "4");
  };
  server.script(callsReply({{"a", kAskGrok}}));
  server.script(
      ScriptedReply{200, reply::text("m", "late"), "application/json", {}, milliseconds(5000)});

  auto start = Clock::now();
  auto result = opus.agent.handle("go");
  EXPECT_LT(Clock::now() - start, milliseconds(2000));
  EXPECT_EQ(result.status, RIVET_TASK_TIMEOUT);
  EXPECT_TRUE(contains(result.text, "800 ms (timeout_ms)")) << result.text;
  auto delegated = json::parse(opus.host.delegatedSoFar().at(0));
  ASSERT_TRUE(delegated.getInteger("timeoutMs"));
  EXPECT_LE(*delegated.getInteger("timeoutMs"), 800);
}

// --- hostile provider answers ---------------------------------------------------------------

TEST(OpenAiAgentHostile, FailsOnTruncatedJsonNamingTheProvider) {
  ScriptedLlmServer server;
  DelegatingAgent opus(server);
  server.script({200, reply::toolCalls({{"a", kAskGrok}}).substr(0, 60)});
  auto result = opus.agent.handle("go");
  EXPECT_EQ(result.status, RIVET_TASK_FAILED);
  EXPECT_TRUE(contains(result.text, "provider " + server.baseUrl() +
                                        " answered HTTP 200 with a body that is not a JSON object"))
      << result.text;
}

TEST(OpenAiAgentHostile, FailsOnToolCallsThatAreNotAList) {
  ScriptedLlmServer server;
  DelegatingAgent opus(server);
  server.script({200, R"({"choices":[{"message":{"role":"assistant","content":null,)"
                      R"("tool_calls":{"id":"a"}}}]})"});
  auto result = opus.agent.handle("go");
  EXPECT_EQ(result.status, RIVET_TASK_FAILED);
  EXPECT_TRUE(contains(result.text, "tool_calls that is not a list")) << result.text;
}

TEST(OpenAiAgentHostile, GivesAToolCallWithoutAnIdOneAndAnswersIt) {
  ScriptedLlmServer server;
  DelegatingAgent opus(server);
  server.script(callsReply({{"", kAskGrok}}));
  server.script(finalText("ok"));
  EXPECT_EQ(opus.agent.handle("go").status, RIVET_TASK_COMPLETED);
  auto messages = messagesOf(server.requests().at(1));
  ASSERT_EQ(messages.size(), 3u);
  std::string id = str(messages[1].find("tool_calls")->items()[0], "id");
  EXPECT_FALSE(id.empty());
  EXPECT_EQ(str(messages[2], "tool_call_id"), id);
}

TEST(OpenAiAgentHostile, RunsAtMostSixteenOfTenThousandToolCalls) {
  ScriptedLlmServer server;
  DelegatingAgent opus(server);
  std::vector<Call> calls;
  for (int i = 0; i < 10000; ++i)
    calls.push_back({"c" + std::to_string(i), kAskGrok});
  server.script(callsReply(calls));
  server.script(finalText("ok"));

  auto result = opus.agent.handle("go");
  EXPECT_EQ(result.status, RIVET_TASK_COMPLETED) << result.text;
  EXPECT_EQ(opus.host.delegatedSoFar().size(), 16u);
  auto tools = toolMessages(server.requests().at(1));
  ASSERT_EQ(tools.size(), 10000u);
  EXPECT_EQ(str(tools[9999], "tool_call_id"), "c9999");
  EXPECT_TRUE(contains(str(tools[16], "content"), "[failed] not run: at most 16 delegate_task "
                                                  "calls run in one turn"));
  EXPECT_EQ(rivet::test::progressOf(opus.host, "tool").size(), 16u); // only those that ran
  EXPECT_EQ(rivet::test::progressOf(opus.host, "status").size(), 16u);
}

TEST(OpenAiAgentHostile, RefusesHugeArgumentsWithoutRunningThem) {
  ScriptedLlmServer server;
  DelegatingAgent opus(server);
  server.script(callsReply(
      {{"a", R"({"to_agent":"grok","task":")" + std::string(2 * 1024 * 1024, 'y') + "\"}"}}));
  server.script(finalText("ok"));
  EXPECT_EQ(opus.agent.handle("go").status, RIVET_TASK_COMPLETED);
  EXPECT_TRUE(opus.host.delegatedSoFar().empty());
  EXPECT_TRUE(contains(str(toolMessages(server.requests().at(1)).at(0), "content"),
                       "more than the 1048576 accepted"));
}

TEST(OpenAiAgentSettings, RefusesToolLoopSettingsOutOfRangeNamingTheKey) {
  const std::string url = "http://127.0.0.1:1/v1";
  EXPECT_TRUE(contains(refusalFor(settingsFor(url, R"("max_tool_rounds":0)")),
                       "max_tool_rounds must be a whole number of rounds, at least 1, found the "
                       "number 0"));
  EXPECT_TRUE(contains(refusalFor(settingsFor(url, R"("max_tool_result_bytes":100)")),
                       "max_tool_result_bytes must be a whole number of bytes, at least 1024, "
                       "found the number 100"));
  EXPECT_TRUE(contains(refusalFor(settingsFor(url, R"("delegation":"yes")")),
                       "delegation must be true or false, found the string \"yes\""));
  EXPECT_EQ(refusalFor(settingsFor(url, R"("delegation":false,"max_tool_rounds":1,)"
                                        R"("max_tool_result_bytes":1024)")),
            "");
}

TEST(OpenAiAgentSettings, AcceptsTheOneLineXaiConfiguration) {
  ::setenv("XAI_API_KEY", "xai-test", 1);
  EXPECT_EQ(
      refusalFor(
          R"({"base_url":"https://api.x.ai/v1","model":"grok-4","api_key_env":"XAI_API_KEY"})"),
      "");
}

// --- streamed answers ------------------------------------------------------------------------

using Pace = ScriptedReply::Pace;
using rivet::test::eventStream;
using rivet::test::progressOf;

ScriptedReply streamOf(const std::string& sse, Pace pace = Pace::ByEvent) {
  return eventStream(sse, pace);
}

TEST(OpenAiAgentStream, ReportsEveryTextDeltaInOrderAndAnswersWithTheirWholeText) {
  ScriptedLlmServer server;
  OpenAiAgent opus("opus", settingsFor(server.baseUrl()));
  const std::vector<std::string> pieces = {"Une ", "délé", "gation", " → ok"};
  rivet::test::expectPiecesReportedInOrder(opus, server, reply::textStream(pieces), pieces);
}

TEST(OpenAiAgentStream, ReadsCrLfLinesCommentsAndDataSplitOverLines) {
  ScriptedLlmServer server;
  OpenAiAgent opus("opus", settingsFor(server.baseUrl()));
  server.script(streamOf(": keep-alive\r\n\r\n"
                         "data: {\"choices\":[{\"index\":0,\r\n"
                         "data: \"delta\":{\"content\":\"two lines\"}}]}\r\n\r\n"
                         "data: [DONE]\r\n\r\n",
                         Pace::ByteAtATime));
  auto result = opus.agent.handle("hi");
  EXPECT_EQ(result.status, RIVET_TASK_COMPLETED) << result.text;
  EXPECT_EQ(result.text, "two lines");
}

TEST(OpenAiAgentStream, JoinsAToolCallSplitOverManyFragmentsAndReportsIt) {
  ScriptedLlmServer server;
  DelegatingAgent opus(server);
  opus.host.delegateResultJson = delegation(RIVET_TASK_COMPLETED, "4").resultJson;
  const std::string ask = R"({"to_agent":"grok","task":"add 2 and 2, ça va?"})";
  server.script(streamOf(reply::toolCallsStream({{"call_1", ask}}, 20), Pace::ByteAtATime));
  server.script(streamOf(reply::textStream({"grok ", "says 4"})));

  auto result = opus.agent.handle("what is 2+2?");
  EXPECT_EQ(result.text, "grok says 4");
  auto delegated = opus.host.delegatedSoFar();
  ASSERT_EQ(delegated.size(), 1u);
  EXPECT_EQ(str(json::parse(delegated[0]), "message"), "add 2 and 2, ça va?");
  auto messages = messagesOf(server.requests().at(1));
  ASSERT_EQ(messages.size(), 3u);
  const json::Value& call = messages[1].find("tool_calls")->items().at(0);
  EXPECT_EQ(str(call, "id"), "call_1");
  EXPECT_EQ(str(*call.find("function"), "arguments"), ask);
  EXPECT_EQ(str(messages[2], "tool_call_id"), "call_1");
  EXPECT_EQ(str(messages[2], "content"), "4");

  auto events = opus.host.progressSoFar();
  std::vector<std::string> lines;
  for (const auto& e : events)
    lines.push_back(e.kind + ": " + e.text);
  EXPECT_EQ(lines, (std::vector<std::string>{"tool: delegate_task → grok: add 2 and 2, ça va?",
                                             "status: delegate_task ← grok: completed",
                                             "text: grok ", "text: says 4"}));
}

TEST(OpenAiAgentStream, CutsTheReportedTaskAtAHundredCharacters) {
  ScriptedLlmServer server;
  DelegatingAgent opus(server);
  std::string task;
  for (int i = 0; i < 30; ++i)
    task += "é→x"; // 90 characters, 180 bytes
  task += "0123456789abcdef";
  server.script(streamOf(
      reply::toolCallsStream({{"a", R"({"to_agent":"echo","task":")" + task + "\"}"}}, 7)));
  server.script(streamOf(reply::textStream({"ok"})));
  ASSERT_EQ(opus.agent.handle("go").status, RIVET_TASK_COMPLETED);
  auto tools = progressOf(opus.host, "tool");
  ASSERT_EQ(tools.size(), 1u);
  EXPECT_EQ(tools[0], "delegate_task → echo: " + task.substr(0, task.size() - 6));
}

TEST(OpenAiAgentStream, RunsParallelToolCallsWhoseFragmentsInterleave) {
  ScriptedLlmServer server;
  DelegatingAgent opus(server);
  opus.host.onDelegate = [](const std::string& request) {
    return delegation(RIVET_TASK_COMPLETED, contains(request, "\"grok\"") ? "four" : "pong");
  };
  server.script(streamOf(reply::toolCallsStream(
      {{"a", kAskGrok}, {"b", R"({"to_agent":"echo","task":"ping"})"}}, 5, true)));
  server.script(streamOf(reply::textStream({"done"})));
  EXPECT_EQ(opus.agent.handle("fan out").text, "done");
  EXPECT_EQ(toolAnswers(server.requests().at(1)), (std::vector<std::string>{"a: four", "b: pong"}));
  EXPECT_EQ(progressOf(opus.host, "tool"),
            (std::vector<std::string>{"delegate_task → grok: add 2 and 2",
                                      "delegate_task → echo: ping"}));
  auto statuses = progressOf(opus.host, "status");
  EXPECT_EQ(statuses, (std::vector<std::string>{"delegate_task ← grok: completed",
                                                "delegate_task ← echo: completed"}));
}

TEST(OpenAiAgentStream, KeepsTheConversationExactlyAsAnUnstreamedAnswerDoes) {
  const std::vector<Call> calls = {{"a", kAskGrok}, {"", R"({"to_agent":"echo","task":"ping"})"}};
  std::vector<std::string> conversations;
  for (bool stream : {false, true}) {
    ScriptedLlmServer server;
    DelegatingAgent opus(server, stream ? "" : R"("stream":false)");
    server.script(stream ? streamOf(reply::toolCallsStream(calls, 4)) : callsReply(calls));
    server.script(stream ? streamOf(reply::textStream({"fin", "e"})) : finalText("fine"));
    EXPECT_EQ(opus.agent.handle("go").text, "fine");
    conversations.push_back(server.requests().at(1).json().find("messages")->dump());
  }
  EXPECT_EQ(conversations[0], conversations[1]);
}

TEST(OpenAiAgentStream, StreamFalseSendsTheUnstreamedRequestAndReportsNoText) {
  ScriptedLlmServer server;
  OpenAiAgent opus("opus", settingsFor(server.baseUrl(), R"("stream":false)"));
  EXPECT_EQ(opus.agent.handle("hi", "").text, "[llama3.1:8b] hi");
  auto request = server.requests().at(0);
  EXPECT_EQ(request.json().getBool("stream"), false);
  EXPECT_EQ(request.header("Accept"), "application/json");
  EXPECT_TRUE(progressOf(opus.host, "text").empty());
  EXPECT_TRUE(contains(refusalFor(settingsFor(server.baseUrl(), R"("stream":"no")")),
                       "stream must be true or false, found the string \"no\""));
}

TEST(OpenAiAgentStream, AcceptsAServerThatIgnoresStreamAndAnswersJson) {
  ScriptedLlmServer server;
  OpenAiAgent opus("opus", settingsFor(server.baseUrl()));
  server.script({200, reply::text("m", "plain")});
  EXPECT_EQ(opus.agent.handle("hi").text, "plain");
  EXPECT_EQ(server.requests().at(0).json().getBool("stream"), true);
}

// A stream that cannot be used, and the words the task fails with.
struct BrokenStream {
  std::string sse;
  std::string problem;
};

TEST(OpenAiAgentStream, FailsOnABrokenStreamNamingTheProviderAndWhatWasWrong) {
  const std::string text = reply::chunk(R"({"content":"partial"})");
  const std::string lone = R"({"tool_calls":[{"index":3,"function":{"arguments":"{}"}}]})";
  for (const BrokenStream& c : {
           BrokenStream{text, "the stream ended before data: [DONE] (after 1 event)"},
           BrokenStream{"", "the stream ended before data: [DONE] (after 0 events)"},
           BrokenStream{text + reply::data(reply::error("Rate limit reached", "requests")),
                        "the stream sent an error: Rate limit reached"},
           BrokenStream{"event: error\ndata: {\"message\":\"overloaded\"}\n\n",
                        "the stream sent an error event: overloaded"},
           BrokenStream{text + "data: {\"choices\":[{\"delta\":\n\n",
                        "a data line is not a JSON object: {\"choices\":[{\"delta\":"},
           BrokenStream{reply::chunk(R"({"content":42})"),
                        "choices[0].delta.content is not a string: 42"},
           BrokenStream{reply::chunk(lone), "a tool_calls fragment for index 3, which no "
                                            "fragment started"},
       }) {
    ScriptedLlmServer server;
    OpenAiAgent opus("opus", settingsFor(server.baseUrl()));
    rivet::test::expectBrokenStream(opus, server, c.sse, c.problem);
  }
}

TEST(OpenAiAgentStream, RefusesALineLongerThanTheAnswerCapWithoutWaitingForItsEnd) {
  ScriptedLlmServer server;
  OpenAiAgent opus("opus", settingsFor(server.baseUrl()));
  ScriptedReply huge = streamOf("data: " + std::string(17 * 1024 * 1024, 'x'));
  huge.stallAfter = huge.body.size(); // no line end, no end of body: only the cap ends it
  server.script(huge);
  auto start = Clock::now();
  auto result = opus.agent.handle("hi");
  EXPECT_LT(Clock::now() - start, milliseconds(10000));
  EXPECT_EQ(result.status, RIVET_TASK_FAILED);
  EXPECT_TRUE(contains(result.text, "streamed an answer that cannot be used: a line of the stream "
                                    "is longer than 16777216 bytes"))
      << result.text.substr(0, 300);
}

TEST(OpenAiAgentStream, RefusesAStreamedAnswerLargerThanTheCapMadeOfSmallDeltas) {
  ScriptedLlmServer server;
  OpenAiAgent opus("opus", settingsFor(server.baseUrl()));
  const std::string piece = reply::chunk(R"({"content":")" + std::string(60000, 'y') + "\"}");
  std::string sse;
  for (int i = 0; i < 290; ++i) // 17.4 MB of text in lines well under the cap
    sse += piece;
  server.script(streamOf(sse + reply::done()));
  auto result = opus.agent.handle("hi");
  EXPECT_EQ(result.status, RIVET_TASK_FAILED);
  EXPECT_TRUE(contains(result.text, "the streamed answer is larger than 16 MiB"))
      << result.text.substr(0, 300);
}

TEST(OpenAiAgentStream, AStalledStreamEndsAtTheDeadlineWithTheTextSoFarReported) {
  ScriptedLlmServer server;
  OpenAiAgent opus("opus", settingsFor(server.baseUrl(), R"("timeout_ms":500)"));
  rivet::test::expectStallEndsAtTheDeadline(opus, server, reply::textStream({"thinking", " more"}),
                                            server.baseUrl() + "/chat/completions");
}

TEST(OpenAiAgentStream, ReturnsWithinASecondOfACancellationMidStream) {
  for (Pace pace : {Pace::ByEvent, Pace::ByteAtATime}) {
    ScriptedLlmServer server;
    FakeHost host("opus", settingsFor(server.baseUrl()));
    server.script(rivet::test::stallingAfter(streamOf(reply::textStream({"first", " never"}), pace),
                                             "first"));
    rivet::test::expectPromptCancelAfterTheFirstText(host);
  }
}

} // namespace
