// An LLM agent answers by asking agents on two other nodes, across real rivetd processes: an
// `openai` agent on node-a delegates to an `anthropic` agent on node-b and a `command` agent on
// node-c in one turn. The only stand-ins are the two scripted LLM servers, which record what the
// agents sent them (the roster in the tool description, the tool messages, who asked). Streamed
// answers reach the task's event stream as progress, from both hops.
#include "AnthropicReplies.hpp"
#include "MeshNode.hpp"
#include "OpenAiReplies.hpp"
#include "ScriptedLlmServer.hpp"
#include "TestTlsClient.hpp"

#include <gtest/gtest.h>

#include <cstdlib>

using namespace rivet::test;
using namespace std::chrono_literals;
namespace json = rivet::sdk::json;

namespace {

std::string toolDescription(const RecordedRequest& r) {
  json::Value body = r.json();
  const json::Value* tools = body.find("tools");
  if (!tools || tools->items().empty())
    return "<no tools>";
  const json::Value* fn = tools->items()[0].find("function");
  return fn ? fn->getString("description").value_or("") : "<no function>";
}

// The content of each `tool` message, by tool_call_id.
std::map<std::string, std::string> toolMessages(const RecordedRequest& r) {
  std::map<std::string, std::string> out;
  json::Value body = r.json();
  for (const auto& m : body.find("messages")->items())
    if (m.getString("role") == std::optional<std::string>("tool"))
      out[m.getString("tool_call_id").value_or("?")] = m.getString("content").value_or("");
  return out;
}

std::string firstUserText(const RecordedRequest& r) {
  json::Value body = r.json();
  for (const auto& m : body.find("messages")->items()) {
    if (m.getString("role") != std::optional<std::string>("user"))
      continue;
    if (auto s = m.getString("content"))
      return *s;
    const json::Value* blocks = m.find("content");
    if (blocks && blocks->isArray() && !blocks->items().empty())
      return blocks->items()[0].getString("text").value_or("");
  }
  return "";
}

class LlmDelegation : public ::testing::Test {
protected:
  static void SetUpTestSuite() {
    ::setenv("RIVET_TEST_ANTHROPIC_KEY", "test-key-123", 1); // inherited by the nodes
    pki_ = std::make_unique<TestPki>();
    pki_->issueNode("client");
    storage_ = std::make_unique<TempDir>();
    openai_ = std::make_unique<ScriptedLlmServer>();
    anthropic_ = std::make_unique<ScriptedLlmServer>();
    a_ = std::make_unique<MeshNode>(*pki_, storage_->path(), "node-a",
                                    "agents:\n  lead:\n    plugin: openai\n    base_url: " +
                                        openai_->baseUrl() + "\n    model: gpt-test\n");
    b_ = std::make_unique<MeshNode>(
        *pki_, storage_->path(), "node-b",
        "agents:\n  opus:\n    plugin: anthropic\n    base_url: " + anthropic_->baseUrl() +
            "\n    model: claude-test\n"
            "    api_key_env: RIVET_TEST_ANTHROPIC_KEY\n");
    c_ = std::make_unique<MeshNode>(
        *pki_, storage_->path(), "node-c",
        "agents:\n  helper:\n    plugin: command\n"
        "    argv: ['/bin/sh', '-c', 'echo \"helper@$RIVET_NODE (asked by "
        "$RIVET_FROM_AGENT@$RIVET_FROM_NODE, depth $RIVET_CHAIN_DEPTH) got: $(cat)\"']\n");
    started_ = a_->start() && b_->start() && c_->start();
  }
  static void TearDownTestSuite() {
    a_.reset();
    b_.reset();
    c_.reset();
    openai_.reset();
    anthropic_.reset();
    storage_.reset();
    pki_.reset();
  }
  void SetUp() override { ASSERT_TRUE(started_) << a_->output() << b_->output() << c_->output(); }

  // The lead model's first turn: one delegation to each of the other two agents.
  static void scriptTwoDelegations() {
    openai_->script(ScriptedReply{
        200, openai_reply::toolCalls(
                 {{"call_opus", R"({"to_agent":"opus","task":"Judge TLS 1.3"})"},
                  {"call_helper", R"({"to_agent":"helper","task":"list ciphers"})"}})});
  }
  // The lead model's second turn: it answers from the tool messages it received.
  static void scriptAnswerFromToolMessages() {
    openai_->script([](const RecordedRequest& r) {
      auto tools = toolMessages(r);
      return ScriptedReply{
          200, openai_reply::text("gpt-test", "opus: " + tools["call_opus"] +
                                                  " | helper: " + tools["call_helper"])};
    });
  }

  static std::unique_ptr<TestPki> pki_;
  static std::unique_ptr<TempDir> storage_;
  static std::unique_ptr<ScriptedLlmServer> openai_, anthropic_;
  static std::unique_ptr<MeshNode> a_, b_, c_;
  static bool started_;
};

std::unique_ptr<TestPki> LlmDelegation::pki_;
std::unique_ptr<TempDir> LlmDelegation::storage_;
std::unique_ptr<ScriptedLlmServer> LlmDelegation::openai_, LlmDelegation::anthropic_;
std::unique_ptr<MeshNode> LlmDelegation::a_, LlmDelegation::b_, LlmDelegation::c_;
bool LlmDelegation::started_ = false;

TEST_F(LlmDelegation, OpenAiAgentAnswersByAskingAnAnthropicAgentAndACommandAgentOnTwoNodes) {
  scriptTwoDelegations();
  anthropic_->script(ScriptedReply{200, anthropic_reply::text("claude-test", "TLS 1.3 is sound")});
  scriptAnswerFromToolMessages();

  RunResult r = rivetctl(*a_, {"send", "lead", "Review our TLS set-up"});
  ASSERT_EQ(r.exitCode, 0) << r.err << a_->output() << b_->output();
  EXPECT_EQ(r.out, "opus: TLS 1.3 is sound | helper: helper@node-c (asked by lead@node-a, depth "
                   "1) got: list ciphers\n");

  auto sent = openai_->requests();
  ASSERT_EQ(sent.size(), 2u);
  std::string description = toolDescription(sent[0]);
  EXPECT_PRED2(contains, description,
               "- opus (node node-b, provider anthropic, model claude-test)");
  EXPECT_PRED2(contains, description, "- helper (node node-c, provider command");
  EXPECT_FALSE(contains(description, "- lead ")) << "never the calling agent itself";
  EXPECT_PRED2(contains, firstUserText(sent[0]), "Task from agent \"rivetctl\" on node \"node-a\"");
  auto tools = toolMessages(sent[1]);
  EXPECT_EQ(tools["call_opus"], "TLS 1.3 is sound");
  EXPECT_EQ(tools["call_helper"],
            "helper@node-c (asked by lead@node-a, depth 1) got: list ciphers");

  auto asked = anthropic_->requests();
  ASSERT_EQ(asked.size(), 1u);
  EXPECT_EQ(asked[0].header("x-api-key"), "test-key-123");
  EXPECT_PRED2(contains, firstUserText(asked[0]), "Task from agent \"lead\" on node \"node-a\"");
  EXPECT_PRED2(contains, firstUserText(asked[0]), "Judge TLS 1.3");
  json::Value body = asked[0].json();
  const json::Value* tools2 = body.find("tools");
  ASSERT_TRUE(tools2 && !tools2->items().empty()) << "opus at depth 1 may still delegate";
  std::string opusRoster = tools2->items()[0].getString("description").value_or("");
  EXPECT_PRED2(contains, opusRoster, "- helper (node node-c");
  EXPECT_FALSE(contains(opusRoster, "- lead ")) << "lead is on the task's path: " << opusRoster;
}

TEST_F(LlmDelegation, DelegateThatFailsReachesTheModelAsFailedAndTheLoopGoesOn) {
  scriptTwoDelegations();
  anthropic_->script(ScriptedReply{529, anthropic_reply::error("overloaded_error", "Overloaded")});
  scriptAnswerFromToolMessages();

  RunResult r = rivetctl(*a_, {"send", "lead", "Review our TLS set-up"});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  auto sent = openai_->requests();
  ASSERT_EQ(sent.size(), 2u);
  auto tools = toolMessages(sent[1]);
  EXPECT_EQ(tools["call_opus"].rfind("[failed] ", 0), 0u) << tools["call_opus"];
  EXPECT_PRED2(contains, tools["call_opus"], "529");
  EXPECT_PRED2(contains, tools["call_helper"], "got: list ciphers");
  EXPECT_PRED2(contains, r.out, "helper: helper@node-c");
}

// The progress events of a task's SSE stream as "kind agent@node: text" lines, in order.
std::vector<std::string> progressLines(const std::string& raw) {
  std::vector<std::string> lines;
  const std::string mark = "event: progress\ndata: ";
  for (size_t at = raw.find(mark); at != std::string::npos; at = raw.find(mark, at + 1)) {
    size_t start = at + mark.size();
    auto e = json::tryParse(raw.substr(start, raw.find('\n', start) - start));
    if (e && e->isObject())
      lines.push_back(
          e->getString("kind").value_or("?") + " " + e->getString("agent").value_or("?") + "@" +
          e->getString("node").value_or("?") + ": " + e->getString("text").value_or(""));
  }
  return lines;
}

TEST_F(LlmDelegation, StreamedTextAndDelegationsOfBothAgentsReachTheTaskEventsOnA) {
  openai_->script(
      eventStream(openai_reply::toolCallsStream(
                      {{"call_opus", R"({"to_agent":"opus","task":"Judge TLS 1.3"})"}}, 6),
                  ScriptedReply::Pace::ByteAtATime));
  anthropic_->script(eventStream(anthropic_reply::textStream({"TLS 1.3 ", "is sound"})));
  openai_->script([](const RecordedRequest& r) {
    return eventStream(openai_reply::textStream({"opus says: ", toolMessages(r)["call_opus"]}));
  });

  TestTlsClient client(clientOptions(*pki_, "client", "node-a.mesh"));
  HttpResponse submitted;
  ASSERT_TRUE(client.connect(a_->port())) << client.error();
  ASSERT_TRUE(client.request("POST", "/api/tasks",
                             R"({"fromAgent":"tester","toAgent":"lead","message":"Review TLS",)"
                             R"("timeoutMs":20000})",
                             submitted));
  ASSERT_EQ(submitted.status, 202) << submitted.body;
  std::string id = json::parse(submitted.body).getString("id").value_or("");
  TestTlsClient stream(clientOptions(*pki_, "client", "node-a.mesh"));
  ASSERT_TRUE(stream.connect(a_->port())) << stream.error();
  ASSERT_TRUE(
      stream.sendRaw("GET /api/tasks/" + id + "/events HTTP/1.1\r\nHost: node-a.mesh\r\n\r\n"));
  std::string got;
  ASSERT_TRUE(stream.readUntil("0\r\n\r\n", got)) << stream.error() << got; // the stream's end
  EXPECT_PRED2(contains, got, "event: state\ndata: {\"state\":\"completed\"");
  EXPECT_PRED2(contains, got, "opus says: TLS 1.3 is sound");

  std::string all;
  for (const auto& line : progressLines(got))
    all += line + "\n";
  // The host may merge text events that come faster than its rate limit: compare joined text.
  size_t tool = all.find("tool lead@node-a: delegate_task → opus: Judge TLS 1.3\n");
  size_t opusText = all.find("text opus@node-b: TLS 1.3 ");
  size_t outcome = all.find("status lead@node-a: delegate_task ← opus: completed\n");
  size_t leadText = all.find("text lead@node-a: opus says: ");
  for (size_t p : {tool, opusText, outcome, leadText})
    ASSERT_NE(p, std::string::npos) << all << got;
  EXPECT_LT(tool, opusText);
  EXPECT_LT(opusText, outcome);
  EXPECT_LT(outcome, leadText);
}

} // namespace
