// The SDK's delegate_task tool (rivet/sdk/delegate_tool.hpp) against the SDK's fake host: the
// description lists the roster, arguments are checked with messages a model can act on, calls
// go through delegate() (several at once), and results come back as RivetOS's `[status] text`.
#include "rivet/sdk/delegate_tool.hpp"
#include "rivet/sdk/testing/fake_host.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

using namespace rivet::sdk;
using rivet::sdk::testing::FakeDelegation;
using rivet::sdk::testing::FakeHost;

namespace {

const char* kRoster =
    R"({"chainDepth":0,"maxChainDepth":3,"canDelegate":true,"refusal":"","agents":[)"
    R"({"id":"opus","node":"n1","provider":"anthropic","model":"claude-opus","local":false},)"
    R"({"id":"grok","node":"n2","provider":"xai","model":"grok-4","local":false},)"
    R"({"id":"echo","node":"here","provider":"echo","model":"","local":true}]})";

struct ToolFixture : ::testing::Test {
  ToolFixture() : tool(Host(fake.api()), 200) {
    fake.rosterJson = kRoster;
    raw.struct_size = sizeof raw;
  }
  Roster roster() { return tool.roster(Task{&raw}); }
  ToolResult call(const std::string& args) { return tool.call(Task{&raw}, args, roster()); }

  FakeHost fake{"caller"};
  DelegateTool tool;
  rivet_task raw{};
};

} // namespace

TEST_F(ToolFixture, DescriptionListsEveryReachableAgentWithNodeProviderAndModel) {
  std::string d = DelegateTool::description(roster());
  EXPECT_NE(d.find("- opus (node n1, provider anthropic, model claude-opus)"), std::string::npos)
      << d;
  EXPECT_NE(d.find("- grok (node n2, provider xai, model grok-4)"), std::string::npos) << d;
  EXPECT_NE(d.find("- echo (on this node, here, provider echo)"), std::string::npos) << d;
  EXPECT_TRUE(DelegateTool::offered(roster()));
  auto schema = json::parse(DelegateTool::parametersSchema());
  EXPECT_EQ(schema.find("required")->dump(), R"(["to_agent","task"])");
}

TEST(DelegateToolText, AnAgentsDescriptionFollowsItOnOneLine) {
  Roster r = Roster::parse(
      R"j({"chainDepth":0,"maxChainDepth":3,"canDelegate":true,"refusal":"","agents":[)j"
      R"j({"id":"researcher","node":"n","provider":"a2a","model":"Finder","local":true,)j"
      R"j("description":"Finds things\non the web"},{"id":"plain","node":"m","provider":"x"}]})j");
  std::string d = DelegateTool::description(r);
  EXPECT_NE(d.find("- researcher (on this node, n, provider a2a, model Finder): Finds things on "
                   "the web\n"),
            std::string::npos)
      << d;
  EXPECT_NE(d.find("- plain (node m, provider x)\n"), std::string::npos) << d;
}

TEST_F(ToolFixture, CallSendsTheTaskWithItsContextTimeoutAndModel) {
  fake.delegateResultJson = R"({"status":"completed","response":"42","agent":"opus"})";
  ToolResult r = call(R"({"to_agent":"opus","task":"add","context":["a=40","b=2"],)"
                      R"("timeout_ms":5000,"model":"m"})");
  EXPECT_EQ(r.status, RIVET_TASK_COMPLETED);
  EXPECT_EQ(r.text, "42");
  ASSERT_EQ(fake.delegated.size(), 1u);
  EXPECT_EQ(fake.delegated[0], R"({"toAgent":"opus","message":"add\n\nContext:\n- a=40\n- b=2",)"
                               R"("timeoutMs":5000,"model":"m"})");
}

TEST_F(ToolFixture, ArgumentsSentAsAJsonStringAreAccepted) {
  fake.delegateResultJson = R"({"status":"completed","response":"ok"})";
  EXPECT_EQ(call(R"("{\"to_agent\":\"grok\",\"task\":\"t\"}")").text, "ok");
}

TEST_F(ToolFixture, ResultThatDidNotCompleteIsTaggedWithItsStatusAndCapped) {
  fake.delegateStatus = RIVET_TASK_TIMEOUT;
  fake.delegateResultJson = R"({"status":"timeout","response":")" + std::string(500, 'x') + R"("})";
  ToolResult r = call(R"({"to_agent":"opus","task":"slow"})");
  EXPECT_EQ(r.status, RIVET_TASK_TIMEOUT);
  EXPECT_EQ(r.text.rfind("[timeout] xxx", 0), 0u) << r.text;
  EXPECT_NE(r.text.find("[truncated: 200 of 510 bytes shown]"), std::string::npos) << r.text;
}

TEST_F(ToolFixture, BadArgumentsComeBackAsTextAModelCanActOn) {
  EXPECT_EQ(call("not json").text, "[failed] delegate_task: the arguments must be a JSON object "
                                   "like {\"to_agent\":\"<id>\",\"task\":\"...\"}");
  EXPECT_EQ(
      call(R"({"task":"t"})").text,
      "[failed] delegate_task: \"to_agent\" is required and must be one of: opus, grok, echo");
  EXPECT_EQ(call(R"({"to_agent":"gpt","task":"t"})").text,
            "[failed] delegate_task: \"gpt\" is not an agent you can delegate to now; choose one "
            "of: opus, grok, echo");
  EXPECT_EQ(call(R"({"to_agent":"opus"})").text,
            "[failed] delegate_task: \"task\" is required and must be a non-empty string");
  EXPECT_EQ(call(R"({"to_agent":"opus","task":"t","context":"x"})").text,
            "[failed] delegate_task: \"context\" must be an array of strings");
  EXPECT_EQ(call(R"({"to_agent":"opus","task":"t","context":[1]})").text,
            "[failed] delegate_task: \"context\" must be an array of strings");
  EXPECT_EQ(call(R"({"to_agent":"opus","task":"t","timeout_ms":-5})").text,
            "[failed] delegate_task: \"timeout_ms\" must be a positive whole number of "
            "milliseconds");
  EXPECT_EQ(call(R"({"to_agent":"opus","task":"t","timeout_ms":1.5})").status, RIVET_TASK_FAILED);
  EXPECT_TRUE(fake.delegated.empty()) << "nothing reached the host";
}

TEST_F(ToolFixture, AtTheDepthLimitTheToolIsNotOfferedAndACallIsRefusedWithTheHostsReason) {
  fake.rosterJson = R"({"chainDepth":3,"maxChainDepth":3,"canDelegate":false,)"
                    R"("refusal":"Delegation chain depth limit reached (3).","agents":[]})";
  EXPECT_FALSE(DelegateTool::offered(roster()));
  ToolResult r = call(R"({"to_agent":"opus","task":"t"})");
  EXPECT_EQ(r.status, RIVET_TASK_REJECTED);
  EXPECT_EQ(r.text, "[rejected] Delegation chain depth limit reached (3).");
  EXPECT_TRUE(fake.delegated.empty());
}

TEST_F(ToolFixture, UnreadableRosterMeansNoDelegation) {
  fake.rosterJson = "{";
  EXPECT_FALSE(roster().canDelegate);
  EXPECT_FALSE(DelegateTool::offered(roster()));
}

TEST_F(ToolFixture, CallAllRunsTheCallsAtTheSameTimeAndKeepsTheirOrder) {
  std::mutex m;
  std::condition_variable cv;
  int inFlight = 0;
  bool overlapped = false;
  fake.onDelegate = [&](const std::string& request) {
    std::unique_lock<std::mutex> lock(m);
    ++inFlight;
    cv.notify_all();
    overlapped =
        cv.wait_for(lock, std::chrono::seconds(5), [&] { return inFlight >= 2; }) || overlapped;
    std::string to = json::parse(request).getString("toAgent").value_or("?");
    return FakeDelegation{RIVET_TASK_COMPLETED, R"({"response":"from )" + to + "\"}"};
  };
  auto results = tool.callAll(
      Task{&raw}, {R"({"to_agent":"opus","task":"a"})", R"({"to_agent":"grok","task":"b"})"},
      roster());
  ASSERT_EQ(results.size(), 2u);
  EXPECT_EQ(results[0].text, "from opus");
  EXPECT_EQ(results[1].text, "from grok");
  EXPECT_TRUE(overlapped) << "the second call only started after the first had finished";
}
