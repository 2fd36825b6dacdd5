// The anthropic agent, driven by the SDK's fake host, against the scripted LLM server running in
// the test process: the Messages API request, tool_use and tool_result blocks, errors, deadlines.
#include "AnthropicReplies.hpp"
#include "LlmAgentKit.hpp"
#include "ScriptedLlmServer.hpp"
#include "TestCertificate.hpp"

#include <rivet/sdk/testing/fake_host.hpp>

#include <Poco/Net/SSLManager.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <thread>

namespace {

using rivet::sdk::testing::TaskSpec;
using rivet::test::contains;
using rivet::test::delegation;
using rivet::test::messagesOf;
using rivet::test::refusalFor;
using rivet::test::ScriptedLlmServer;
using rivet::test::ScriptedReply;
using rivet::test::str;
using rivet::test::twoAgents;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;
namespace json = rivet::sdk::json;
namespace reply = rivet::test::anthropic_reply;
using reply::ToolUse;

const char* const kKeyEnv = "RIVET_ANTHROPIC_TEST_KEY";

// Settings for an agent of `baseUrl`, with `extra` JSON members appended.
std::string settingsFor(const std::string& baseUrl, const std::string& extra = "") {
  ::setenv(kKeyEnv, "sk-ant-test", 1);
  return R"({"base_url":")" + baseUrl + R"(","model":"claude-opus-4-1","api_key_env":")" + kKeyEnv +
         "\"" + (extra.empty() ? "" : "," + extra) + "}";
}

// An agent of `server` whose host's roster lists grok and echo.
struct ClaudeAgent : rivet::test::StartedAgent {
  explicit ClaudeAgent(const ScriptedLlmServer& server, const std::string& extra = "")
      : StartedAgent("opus", settingsFor(server.baseUrl(), extra)) {
    host.rosterJson = twoAgents();
  }
};

// The tool_result blocks of a request's last message.
std::vector<json::Value> toolResults(const rivet::test::RecordedRequest& request) {
  std::vector<json::Value> out;
  const std::vector<json::Value> messages = messagesOf(request);
  const json::Value& last = messages.back();
  if (const json::Value* content = last.find("content"); content && content->isArray())
    for (const auto& block : content->items())
      if (str(block, "type") == "tool_result")
        out.push_back(block);
  return out;
}

ScriptedReply usesTools(const std::vector<ToolUse>& calls, const std::string& text = "") {
  return {200, reply::toolUse(calls, text)};
}

ScriptedReply finalText(const std::string& text, const std::string& stop = "end_turn") {
  return {200, reply::text("claude-opus-4-1", text, stop)};
}

ScriptedReply apiError(int status, const std::string& type, const std::string& message) {
  return {status, reply::error(type, message)};
}

const std::string kAskGrok = R"({"to_agent":"grok","task":"add 2 and 2"})";

TEST(AnthropicAgent, SendsTheMessagesApiRequestWithKeyVersionAndDefaults) {
  ScriptedLlmServer server;
  ClaudeAgent opus(server, R"("system_prompt":"Be brief.","temperature":0.3)");
  auto result = opus.agent.handle("What is a mesh?", "");
  EXPECT_EQ(result.status, RIVET_TASK_COMPLETED) << result.text;
  EXPECT_EQ(result.text, "[claude-opus-4-1] What is a mesh?");

  auto request = server.requests().at(0);
  EXPECT_EQ(request.method, "POST");
  EXPECT_EQ(request.uri, "/v1/messages");
  EXPECT_EQ(request.header("x-api-key"), "sk-ant-test");
  EXPECT_EQ(request.header("anthropic-version"), "2023-06-01");
  EXPECT_EQ(request.header("content-type"), "application/json");
  EXPECT_EQ(request.header("accept"), "text/event-stream, application/json");
  auto body = request.json();
  EXPECT_EQ(str(body, "model"), "claude-opus-4-1");
  EXPECT_EQ(body.getInteger("max_tokens"), 4096);
  EXPECT_EQ(body.getBool("stream"), true);
  EXPECT_EQ(str(body, "system"), "Be brief.");
  EXPECT_DOUBLE_EQ(body.find("temperature")->asNumber(), 0.3);
  auto messages = messagesOf(request);
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(str(messages[0], "role"), "user");
  EXPECT_EQ(str(messages[0], "content"), "What is a mesh?");
  for (const auto& line : opus.host.logs)
    EXPECT_FALSE(contains(line.message, "sk-ant-test")) << line.message;
}

TEST(AnthropicAgent, OffersDelegateTaskWithTheRosterInItsDescription) {
  ScriptedLlmServer server;
  ClaudeAgent opus(server);
  opus.agent.handle("hi");
  auto body = server.requests().at(0).json();
  const json::Value* tools = body.find("tools");
  ASSERT_TRUE(tools && tools->isArray() && tools->items().size() == 1) << body.dump();
  const json::Value& tool = tools->items()[0];
  EXPECT_EQ(str(tool, "name"), "delegate_task");
  EXPECT_TRUE(contains(str(tool, "description"), "- grok (node beta, provider xai, model grok-4)"));
  EXPECT_EQ(tool.find("input_schema")->find("required")->dump(), R"(["to_agent","task"])");
}

TEST(AnthropicAgent, TellsTheModelWhichAgentAndNodeAsked) {
  ScriptedLlmServer server;
  ClaudeAgent opus(server);
  TaskSpec spec;
  spec.message = "review this";
  spec.fromAgent = "grok";
  spec.fromNode = "beta";
  opus.agent.handle(spec);
  EXPECT_EQ(str(messagesOf(server.requests().at(0))[0], "content"),
            "Task from agent \"grok\" on node \"beta\":\n\nreview this");
}

TEST(AnthropicAgent, RunsToolUseBlocksAndAnswersWithToolResultBlocks) {
  ScriptedLlmServer server;
  ClaudeAgent opus(server);
  opus.host.onDelegate = [](const std::string& request) {
    return contains(request, "\"grok\"") ? delegation(RIVET_TASK_COMPLETED, "4")
                                         : delegation(RIVET_TASK_FAILED, "echo is down");
  };
  server.script(usesTools({{"toolu_1", kAskGrok}, {"toolu_2", R"({"to_agent":"echo","task":"x"})"}},
                          "Let me ask."));
  server.script(finalText("It is 4."));

  auto result = opus.agent.handle("what is 2+2?");
  EXPECT_EQ(result.status, RIVET_TASK_COMPLETED);
  EXPECT_EQ(result.text, "It is 4.");
  auto messages = messagesOf(server.requests().at(1));
  ASSERT_EQ(messages.size(), 3u);
  EXPECT_EQ(str(messages[1], "role"), "assistant");
  const auto& blocks = messages[1].find("content")->items();
  ASSERT_EQ(blocks.size(), 3u);
  EXPECT_EQ(str(blocks[0], "text"), "Let me ask.");
  EXPECT_EQ(str(blocks[1], "id"), "toolu_1");
  EXPECT_EQ(blocks[1].find("input")->dump(), kAskGrok);
  EXPECT_EQ(str(messages[2], "role"), "user");
  auto results = toolResults(server.requests().at(1));
  ASSERT_EQ(results.size(), 2u);
  EXPECT_EQ(str(results[0], "tool_use_id"), "toolu_1");
  EXPECT_EQ(str(results[0], "content"), "4");
  EXPECT_FALSE(results[0].find("is_error"));
  EXPECT_EQ(str(results[1], "tool_use_id"), "toolu_2");
  EXPECT_EQ(str(results[1], "content"), "[failed] echo is down");
  EXPECT_EQ(results[1].getBool("is_error"), true);
}

TEST(AnthropicAgent, RunsTheToolUseBlocksOfOneTurnAtTheSameTime) {
  ScriptedLlmServer server;
  ClaudeAgent opus(server);
  rivet::test::Rendezvous both(2);
  opus.host.onDelegate = [&both](const std::string&) {
    bool met = both.arriveAndWait(milliseconds(5000));
    return delegation(met ? RIVET_TASK_COMPLETED : RIVET_TASK_FAILED, met ? "met" : "alone");
  };
  server.script(usesTools({{"a", kAskGrok}, {"b", R"({"to_agent":"echo","task":"ping"})"}}));
  server.script(finalText("done"));

  auto start = Clock::now();
  EXPECT_EQ(opus.agent.handle("fan out").text, "done");
  EXPECT_LT(Clock::now() - start, milliseconds(4000));
  auto results = toolResults(server.requests().at(1));
  ASSERT_EQ(results.size(), 2u);
  EXPECT_EQ(str(results[0], "content"), "met");
  EXPECT_EQ(str(results[1], "content"), "met");
}

TEST(AnthropicAgent, GivesATimedOutDelegationToTheModelAndGoesOn) {
  ScriptedLlmServer server;
  ClaudeAgent opus(server);
  opus.host.onDelegate = [](const std::string&) {
    return delegation(RIVET_TASK_TIMEOUT, "no answer in 100 ms");
  };
  server.script(usesTools({{"a", kAskGrok}}));
  server.script(finalText("grok was slow"));
  EXPECT_EQ(opus.agent.handle("go").text, "grok was slow");
  auto results = toolResults(server.requests().at(1));
  EXPECT_EQ(str(results.at(0), "content"), "[timeout] no answer in 100 ms");
  EXPECT_EQ(results.at(0).getBool("is_error"), true);
}

TEST(AnthropicAgent, AnswersUnusableInputWithWhatToChange) {
  ScriptedLlmServer server;
  ClaudeAgent opus(server);
  server.script(usesTools({{"a", R"("not an object")"},
                           {"b", R"({"task":"x"})"},
                           {"c", R"({"to_agent":"nobody","task":"x"})"}}));
  server.script(finalText("ok"));
  opus.agent.handle("go");
  EXPECT_TRUE(opus.host.delegatedSoFar().empty());
  auto results = toolResults(server.requests().at(1));
  ASSERT_EQ(results.size(), 3u);
  EXPECT_TRUE(contains(str(results[0], "content"), "must be a JSON object"));
  EXPECT_TRUE(contains(str(results[1], "content"), "\"to_agent\" is required"));
  EXPECT_TRUE(contains(str(results[2], "content"), "\"nobody\" is not an agent you can delegate"));
}

TEST(AnthropicAgent, OffersNoToolWhenTheHostRefusesAndRejectsAForcedCall) {
  ScriptedLlmServer server;
  rivet::test::StartedAgent opus("opus", settingsFor(server.baseUrl()));
  opus.host.rosterJson = rivet::test::rosterJson({}, false, "this task is already 3 hops deep");
  server.script(usesTools({{"a", kAskGrok}}));
  server.script(finalText("alone then"));

  EXPECT_EQ(opus.agent.handle("go").text, "alone then");
  auto requests = server.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_FALSE(requests[0].json().find("tools"));
  // The API refuses tool_use blocks without tools, so the tool stays defined from then on.
  EXPECT_TRUE(requests[1].json().find("tools"));
  auto results = toolResults(requests[1]);
  EXPECT_EQ(str(results.at(0), "content"), "[rejected] this task is already 3 hops deep");
  EXPECT_EQ(results.at(0).getBool("is_error"), true);
}

TEST(AnthropicAgent, FailsAfterMaxToolRoundsNamingTheSetting) {
  ScriptedLlmServer server;
  ClaudeAgent opus(server, R"("max_tool_rounds":1)");
  server.script(usesTools({{"a", kAskGrok}}));
  server.script(usesTools({{"b", kAskGrok}}));
  auto result = opus.agent.handle("go");
  EXPECT_EQ(result.status, RIVET_TASK_FAILED);
  EXPECT_TRUE(contains(result.text, "max_tool_rounds: 1")) << result.text;
}

TEST(AnthropicAgent, CapsEachToolResultAtMaxToolResultBytes) {
  ScriptedLlmServer server;
  ClaudeAgent opus(server, R"("max_tool_result_bytes":2048)");
  opus.host.delegateResultJson =
      delegation(RIVET_TASK_COMPLETED, std::string(9000, 'z')).resultJson;
  server.script(usesTools({{"a", kAskGrok}}));
  server.script(finalText("ok"));
  opus.agent.handle("go");
  std::string content = str(toolResults(server.requests().at(1)).at(0), "content");
  EXPECT_TRUE(contains(content, "[truncated: 2048 of 9000 bytes shown]")) << content.size();
}

TEST(AnthropicAgent, StopsWhenTheHostCancelsDuringADelegation) {
  ScriptedLlmServer server;
  ClaudeAgent opus(server);
  bool cancelled = false;
  opus.host.onDelegate = [&cancelled](const std::string&) {
    cancelled = true; // one call runs on the task's own thread
    return delegation(RIVET_TASK_FAILED, "cancelled");
  };
  server.script(usesTools({{"a", kAskGrok}}));
  TaskSpec spec;
  spec.message = "go";
  spec.cancelled = &cancelled;
  auto result = opus.agent.handle(spec);
  EXPECT_EQ(result.status, RIVET_TASK_FAILED);
  EXPECT_TRUE(contains(result.text, "cancelled by the host")) << result.text;
  EXPECT_EQ(server.requests().size(), 1u);
}

TEST(AnthropicAgent, AnswersMaxTokensWithTheTextSoFar) {
  ScriptedLlmServer server;
  ClaudeAgent opus(server);
  for (const ScriptedReply& cut :
       {finalText("The answer is cut", "max_tokens"),
        rivet::test::eventStream(reply::textStream({"The answer ", "is cut"}, "max_tokens"))}) {
    server.script(cut);
    auto result = opus.agent.handle("go");
    EXPECT_EQ(result.status, RIVET_TASK_COMPLETED);
    EXPECT_EQ(result.text, "The answer is cut");
  }
}

TEST(AnthropicAgent, GivesAToolUseBlockWithoutAnIdOneAndAnswersIt) {
  ScriptedLlmServer server;
  ClaudeAgent opus(server);
  server.script(usesTools({{"", kAskGrok}}));
  server.script(finalText("ok"));
  EXPECT_EQ(opus.agent.handle("go").status, RIVET_TASK_COMPLETED);
  auto messages = messagesOf(server.requests().at(1));
  std::string id = str(messages[1].find("content")->items()[0], "id");
  EXPECT_FALSE(id.empty());
  EXPECT_EQ(str(toolResults(server.requests().at(1)).at(0), "tool_use_id"), id);
}

TEST(AnthropicAgent, FailsOnTruncatedJsonNamingTheProvider) {
  ScriptedLlmServer server;
  ClaudeAgent opus(server);
  server.script({200, reply::toolUse({{"a", kAskGrok}}).substr(0, 70)});
  auto result = opus.agent.handle("go");
  EXPECT_EQ(result.status, RIVET_TASK_FAILED);
  EXPECT_TRUE(contains(result.text, "provider " + server.baseUrl() +
                                        " answered HTTP 200 with a body that is not a JSON object"))
      << result.text;
}

TEST(AnthropicAgentErrors, RateLimitNamesTheTypeAndTheRetryAfterHeader) {
  ScriptedLlmServer server;
  ClaudeAgent opus(server);
  ScriptedReply limited = apiError(429, "rate_limit_error",
                                   "Number of requests has exceeded "
                                   "your per-minute rate limit");
  limited.headers = {{"retry-after", "17"}};
  server.script(limited);
  auto result = opus.agent.handle("go");
  EXPECT_EQ(result.status, RIVET_TASK_FAILED);
  EXPECT_TRUE(contains(result.text, "provider " + server.baseUrl() +
                                        " answered HTTP 429 (rate_limit_error): Number of "
                                        "requests has exceeded"))
      << result.text;
  EXPECT_TRUE(contains(result.text, "after 17 s (retry-after)")) << result.text;
}

TEST(AnthropicAgentErrors, OverloadedSaysToTryAgainLater) {
  ScriptedLlmServer server;
  ClaudeAgent opus(server);
  server.script(apiError(529, "overloaded_error", "Overloaded"));
  auto result = opus.agent.handle("go");
  EXPECT_EQ(server.requests().at(0).json().getBool("stream"), true); // a JSON error all the same
  EXPECT_EQ(result.status, RIVET_TASK_FAILED);
  EXPECT_TRUE(contains(result.text, "answered HTTP 529 (overloaded_error): Overloaded; "
                                    "Anthropic's API is overloaded"))
      << result.text;
}

TEST(AnthropicAgentErrors, AuthenticationErrorNamesTheKeyVariable) {
  ScriptedLlmServer server;
  ClaudeAgent opus(server);
  server.script(apiError(401, "authentication_error", "invalid x-api-key"));
  auto result = opus.agent.handle("go");
  EXPECT_EQ(result.status, RIVET_TASK_FAILED);
  EXPECT_TRUE(contains(result.text, "answered HTTP 401 (authentication_error): invalid x-api-key"))
      << result.text;
  EXPECT_TRUE(contains(result.text, std::string(kKeyEnv) + " (api_key_env)")) << result.text;
}

TEST(AnthropicAgentErrors, InvalidRequestGivesTheProvidersMessage) {
  ScriptedLlmServer server;
  ClaudeAgent opus(server);
  server.script(apiError(400, "invalid_request_error",
                         "max_tokens: 900000 > 32000, which is the "
                         "maximum allowed"));
  auto result = opus.agent.handle("go");
  EXPECT_EQ(result.status, RIVET_TASK_FAILED);
  EXPECT_TRUE(contains(result.text, "(invalid_request_error): max_tokens: 900000 > 32000"))
      << result.text;
}

TEST(AnthropicAgentErrors, TimesOutAfterTimeoutMsNamingTheUrl) {
  ScriptedLlmServer server;
  ClaudeAgent opus(server, R"("timeout_ms":300)");
  server.script(
      ScriptedReply{200, reply::text("m", "late"), "application/json", {}, milliseconds(5000)});
  auto start = Clock::now();
  auto result = opus.agent.handle("go");
  EXPECT_LT(Clock::now() - start, milliseconds(2000));
  EXPECT_EQ(result.status, RIVET_TASK_TIMEOUT);
  EXPECT_TRUE(contains(result.text, server.baseUrl() + "/messages within 300 ms (timeout_ms)"))
      << result.text;
}

TEST(AnthropicAgentHttps, CompletesOverHttpsTrustingCaPath) {
  Poco::Net::initializeSSL();
  {
    rivet::test::TestCertificate cert;
    ScriptedLlmServer server(cert.serverContext());
    ClaudeAgent opus(server, R"("ca_path":")" + cert.certPath() + "\"");
    auto result = opus.agent.handle("over tls", "");
    EXPECT_EQ(result.status, RIVET_TASK_COMPLETED) << result.text;
    EXPECT_EQ(result.text, "[claude-opus-4-1] over tls");
  }
  Poco::Net::uninitializeSSL();
}

TEST(AnthropicAgentSettings, AcceptsTheOneLineConfigurationWithTheDefaultKeyVariable) {
  ::setenv("ANTHROPIC_API_KEY", "sk-ant-default", 1);
  rivet::test::StartedAgent opus("opus", R"({"model":"claude-opus-4-1"})");
  EXPECT_EQ(opus.agent.describe(), R"({"provider":"anthropic","model":"claude-opus-4-1"})");
  bool named = false;
  for (const auto& line : opus.host.logs)
    named |= contains(line.message, "https://api.anthropic.com/v1/messages");
  EXPECT_TRUE(named);
}

TEST(AnthropicAgentSettings, RefusesToStartWithoutTheKeyVariable) {
  ::unsetenv("ANTHROPIC_API_KEY");
  std::string refusal = refusalFor(R"({"model":"claude-opus-4-1"})");
  EXPECT_TRUE(contains(refusal, "api_key_env names ANTHROPIC_API_KEY, but that environment "
                                "variable is not set for rivetd"))
      << refusal;
}

TEST(AnthropicAgentSettings, RefusesBadValuesNamingTheKey) {
  const std::string url = "http://127.0.0.1:1/v1";
  EXPECT_TRUE(contains(refusalFor(R"({"base_url":"http://127.0.0.1:1/v1"})"), "model is required"));
  EXPECT_TRUE(contains(refusalFor(settingsFor(url, R"("max_tokens":0)")),
                       "max_tokens must be a whole number of tokens, at least 1"));
  EXPECT_TRUE(contains(refusalFor(settingsFor(url, R"("anthropic_version":5)")),
                       "anthropic_version must be a date such as 2023-06-01"));
  EXPECT_TRUE(contains(refusalFor(settingsFor(url, R"("max_tool_rounds":0)")),
                       "max_tool_rounds must be a whole number of rounds, at least 1"));
  EXPECT_TRUE(contains(refusalFor(settingsFor(url, R"("max_tool_result_bytes":1)")),
                       "max_tool_result_bytes must be a whole number of bytes, at least 1024"));
  EXPECT_TRUE(contains(refusalFor(settingsFor(url, R"("base_url":"ftp://x")")),
                       "must start with http:// or https://"));
}

TEST(AnthropicAgentSettings, SendsTheConfiguredVersionAndMaxTokens) {
  ScriptedLlmServer server;
  ClaudeAgent opus(server, R"("anthropic_version":"2024-01-01","max_tokens":512)");
  opus.agent.handle("hi");
  auto request = server.requests().at(0);
  EXPECT_EQ(request.header("anthropic-version"), "2024-01-01");
  EXPECT_EQ(request.json().getInteger("max_tokens"), 512);
}

// --- streamed answers ------------------------------------------------------------------------

using Pace = ScriptedReply::Pace;
using rivet::test::eventStream;
using rivet::test::progressOf;

TEST(AnthropicAgentStream, ReportsEveryTextDeltaInOrderAndAnswersWithTheirWholeText) {
  ScriptedLlmServer server;
  ClaudeAgent opus(server);
  const std::vector<std::string> pieces = {"Une ", "délé", "gation", " → ok"};
  rivet::test::expectPiecesReportedInOrder(opus, server, reply::textStream(pieces), pieces);
}

TEST(AnthropicAgentStream, JoinsToolUseInputFromManyPiecesAndReportsTheCalls) {
  ScriptedLlmServer server;
  ClaudeAgent opus(server);
  opus.host.onDelegate = [](const std::string& request) { // grok answers, echo times out
    const bool grok = contains(request, "\"grok\"");
    return delegation(grok ? RIVET_TASK_COMPLETED : RIVET_TASK_TIMEOUT,
                      grok ? "4" : "no answer in 5 ms");
  };
  const std::string askEcho = R"({"to_agent":"echo","task":"ça va?"})";
  server.script(eventStream(
      reply::toolUseStream({{"toolu_1", kAskGrok}, {"toolu_2", askEcho}}, 9, "Let me ask."),
      Pace::ByteAtATime));
  server.script(eventStream(reply::textStream({"It is 4."})));

  auto result = opus.agent.handle("what is 2+2?");
  EXPECT_EQ(result.text, "It is 4.");
  auto messages = messagesOf(server.requests().at(1));
  ASSERT_EQ(messages.size(), 3u);
  const auto& blocks = messages[1].find("content")->items();
  ASSERT_EQ(blocks.size(), 3u);
  EXPECT_EQ(str(blocks[0], "text"), "Let me ask.");
  EXPECT_EQ(str(blocks[1], "id"), "toolu_1");
  EXPECT_EQ(blocks[1].find("input")->dump(), kAskGrok);
  EXPECT_EQ(blocks[2].find("input")->dump(), askEcho);
  auto results = toolResults(server.requests().at(1));
  ASSERT_EQ(results.size(), 2u);
  EXPECT_EQ(str(results[1], "content"), "[timeout] no answer in 5 ms");

  std::vector<std::string> lines;
  for (const auto& e : opus.host.progressSoFar())
    lines.push_back(e.kind + ": " + e.text);
  EXPECT_EQ(lines,
            (std::vector<std::string>{
                "text: Let me ask.", "tool: delegate_task → grok: add 2 and 2",
                "tool: delegate_task → echo: ça va?", "status: delegate_task ← grok: completed",
                "status: delegate_task ← echo: timeout", "text: It is 4."}));
}

TEST(AnthropicAgentStream, KeepsTheConversationExactlyAsAnUnstreamedAnswerDoes) {
  const std::vector<ToolUse> calls = {{"toolu_1", kAskGrok},
                                      {"", R"({"to_agent":"echo","task":"ping"})"}};
  std::vector<std::string> conversations;
  for (bool stream : {false, true}) {
    ScriptedLlmServer server;
    ClaudeAgent opus(server, stream ? "" : R"("stream":false)");
    server.script(stream ? eventStream(reply::toolUseStream(calls, 4, "Asking."))
                         : usesTools(calls, "Asking."));
    server.script(stream ? eventStream(reply::textStream({"fin", "e"})) : finalText("fine"));
    EXPECT_EQ(opus.agent.handle("go").text, "fine");
    auto body = server.requests().at(1).json();
    EXPECT_EQ(body.find("stream") != nullptr, stream) << body.dump();
    conversations.push_back(body.find("messages")->dump());
  }
  EXPECT_EQ(conversations[0], conversations[1]);
}

TEST(AnthropicAgentStream, StreamFalseSendsNoStreamMemberAndReportsNoText) {
  ScriptedLlmServer server;
  ClaudeAgent opus(server, R"("stream":false)");
  EXPECT_EQ(opus.agent.handle("hi", "").text, "[claude-opus-4-1] hi");
  auto request = server.requests().at(0);
  EXPECT_FALSE(request.json().find("stream"));
  EXPECT_EQ(request.header("accept"), "application/json");
  EXPECT_TRUE(progressOf(opus.host, "text").empty());
}

TEST(AnthropicAgentStream, AcceptsAServerThatIgnoresStreamAndAnswersJson) {
  ScriptedLlmServer server;
  ClaudeAgent opus(server);
  server.script(finalText("plain"));
  EXPECT_EQ(opus.agent.handle("hi").text, "plain");
  EXPECT_EQ(server.requests().at(0).json().getBool("stream"), true);
}

struct BrokenStream {
  std::string sse;
  std::string problem;
};

TEST(AnthropicAgentStream, FailsOnABrokenStreamNamingTheProviderAndWhatWasWrong) {
  const std::string full = reply::textStream({"partial"});
  const std::string cut = full.substr(0, full.find("event: message_delta"));
  const std::string start = reply::messageStart();
  const std::string toolStart = reply::event(
      "content_block_start", R"({"type":"content_block_start","index":0,"content_block":)"
                             R"({"type":"tool_use","id":"toolu_1","name":"delegate_task",)"
                             R"("input":{}}})");
  auto inputDelta = [](int index, const std::string& partial) {
    return reply::event("content_block_delta",
                        R"({"type":"content_block_delta","index":)" + std::to_string(index) +
                            R"(,"delta":{"type":"input_json_delta","partial_json":)" +
                            json::quoted(partial) + "}}");
  };
  for (const BrokenStream& c : {
           BrokenStream{cut, "the stream ended before message_stop (after 5 events)"},
           BrokenStream{cut + reply::event("error", reply::error("overloaded_error", "Overloaded")),
                        "the stream sent an error (overloaded_error): Overloaded"},
           BrokenStream{start + "event: content_block_start\ndata: {\"type\":\n\n",
                        "a data line is not a JSON object: {\"type\":"},
           BrokenStream{start + inputDelta(2, "{}"),
                        "a content_block_delta for index 2, which no content_block_start began"},
           BrokenStream{
               start + toolStart + inputDelta(0, R"({"to_agent": "gr)") +
                   reply::event("content_block_stop", R"({"type":"content_block_stop","index":0})"),
               "the input of tool_use block 0 is not JSON: {\"to_agent\": \"gr"},
           BrokenStream{
               reply::event("content_block_stop", R"({"type":"content_block_stop","index":0})"),
               "content_block_stop before message_start"},
           BrokenStream{start + start, "a second message_start (after 2 events)"},
       }) {
    ScriptedLlmServer server;
    ClaudeAgent opus(server);
    rivet::test::expectBrokenStream(opus, server, c.sse, c.problem);
  }
}

TEST(AnthropicAgentStream, RefusesATextDeltaThatIsNotAString) {
  ScriptedLlmServer server;
  ClaudeAgent opus(server);
  std::string sse = reply::textStream({"x"});
  sse.replace(sse.find(R"("text":"x")"), 10, R"("text":7)");
  rivet::test::expectBrokenStream(opus, server, sse,
                                  "a text_delta without a string text: {\"type\":\"text_delta\","
                                  "\"text\":7}");
}

TEST(AnthropicAgentStream, AStalledStreamEndsAtTheDeadlineWithTheTextSoFarReported) {
  ScriptedLlmServer server;
  ClaudeAgent opus(server, R"("timeout_ms":500)");
  rivet::test::expectStallEndsAtTheDeadline(opus, server, reply::textStream({"thinking", " more"}),
                                            server.baseUrl() + "/messages");
}

TEST(AnthropicAgentStream, ReturnsWithinASecondOfACancellationMidStreamOverHttps) {
  Poco::Net::initializeSSL();
  {
    rivet::test::TestCertificate cert;
    ScriptedLlmServer server(cert.serverContext());
    rivet::sdk::testing::FakeHost host(
        "opus", settingsFor(server.baseUrl(), R"("ca_path":")" + cert.certPath() + "\""));
    server.script(rivet::test::stallingAfter(
        eventStream(reply::textStream({"first", " never"}), Pace::ByteAtATime), "first"));
    rivet::test::expectPromptCancelAfterTheFirstText(host);
  }
  Poco::Net::uninitializeSSL();
}

} // namespace
