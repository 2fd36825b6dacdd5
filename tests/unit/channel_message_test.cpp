// The agent channel without sockets: /api/message body validation with RivetOS's texts, the
// delegation prefix, and AgentChannel's endpoints driving a real echo agent loaded from echo.so.
#include "TestSupport.hpp"

#include "channel/AgentChannel.hpp"
#include "channel/MessageRequest.hpp"
#include "delegation/DelegationEngine.hpp"
#include "plugin/AgentFactory.hpp"
#include "plugin/PluginLoader.hpp"

#include "StubHostServices.hpp"

#include <gtest/gtest.h>

using namespace rivet;
using rivet::test::pluginDir;

namespace {

const char* kInvalidJson = R"({"error":"Invalid JSON body"})";
const char* kMissingFields = R"({"error":"Missing fromAgent or message"})";

using rivet::test::StubHostServices;

channel::MessageRequest parsedOk(const std::string& body) {
  auto parsed = channel::parseMessageRequest(body);
  EXPECT_TRUE(parsed.request.has_value()) << body << " -> " << parsed.error;
  return parsed.request.value_or(channel::MessageRequest{});
}

channel::MessageParse parsedError(const std::string& body) {
  auto parsed = channel::parseMessageRequest(body);
  EXPECT_FALSE(parsed.request.has_value()) << body << " was accepted";
  EXPECT_EQ(parsed.status, 400) << body;
  return parsed;
}

// A channel for node-a hosting one echo agent (or none), over a delegation engine that has no
// mesh to forward to.
class ChannelWithEcho : public ::testing::Test {
protected:
  void hostEcho() {
    agents_.add(
        plugin::createAgent(plugin::loadPlugin(pluginDir() + "/echo.so"), services_, "echo", "{}"));
  }
  channel::ChannelResponse handle(std::string_view method, std::string_view path,
                                  std::string_view body = "") {
    return channel_.handle({method, path, body, "node-b", "127.0.0.1:50000"});
  }

  StubHostServices services_;
  plugin::AgentSet agents_;
  delegation::DelegationEngine engine_{
      {"node-a", 3, 4, 5000},
      agents_,
      nullptr,
      [](const rivet_peer_request&, rivet_peer_response&) { return RIVET_NET_UNAVAILABLE; }};
  channel::AgentChannel channel_{"node-a", agents_, engine_};
};

} // namespace

// --- stripDelegationPrefix ----------------------------------------------------------------------

TEST(ChannelMessagePrefix, StripsOneLeadingPrefixAndItsWhitespace) {
  EXPECT_EQ(channel::stripDelegationPrefix("[Mesh delegation] review this"), "review this");
  EXPECT_EQ(channel::stripDelegationPrefix("[Mesh delegation]\n\t  review"), "review");
  EXPECT_EQ(channel::stripDelegationPrefix("[Mesh delegation]review"), "review");
  EXPECT_EQ(channel::stripDelegationPrefix("[Mesh delegation] [Mesh delegation] twice"),
            "[Mesh delegation] twice");
}

TEST(ChannelMessagePrefix, LeavesOtherMessagesUntouched) {
  EXPECT_EQ(channel::stripDelegationPrefix("review [Mesh delegation] this"),
            "review [Mesh delegation] this");
  EXPECT_EQ(channel::stripDelegationPrefix(" [Mesh delegation] leading space"),
            " [Mesh delegation] leading space");
  EXPECT_EQ(channel::stripDelegationPrefix("[mesh delegation] lower case"),
            "[mesh delegation] lower case");
  EXPECT_EQ(channel::stripDelegationPrefix(""), "");
  EXPECT_EQ(channel::stripDelegationPrefix("[Mesh delegation]"), "");
}

// --- parseMessageRequest ------------------------------------------------------------------------

TEST(ChannelMessageParse, ReadsRivetOsBodyWithDefaults) {
  auto m = parsedOk(R"({"fromAgent":"grok","message":"[Mesh delegation] review this diff"})");
  EXPECT_EQ(m.fromAgent, "grok");
  EXPECT_EQ(m.message, "[Mesh delegation] review this diff");
  EXPECT_EQ(m.task, "review this diff");
  EXPECT_EQ(m.toAgent, "");
  EXPECT_EQ(m.model, "");
  EXPECT_EQ(m.chainDepth, 0);
  EXPECT_EQ(m.timeoutMs, 120000);
}

TEST(ChannelMessageParse, ReadsEveryOptionalField) {
  auto m = parsedOk(R"({"fromAgent":"grok","message":"hi","waitForResponse":true,)"
                    R"("chainDepth":2,"timeoutMs":60000,"model":"grok-4","toAgent":"echo"})");
  EXPECT_EQ(m.chainDepth, 2);
  EXPECT_EQ(m.timeoutMs, 60000);
  EXPECT_EQ(m.model, "grok-4");
  EXPECT_EQ(m.toAgent, "echo");
}

TEST(ChannelMessageParse, AcceptsChainDepthAsStringAsRivetOsPassesItThrough) {
  EXPECT_EQ(parsedOk(R"({"fromAgent":"a","message":"m","chainDepth":"2"})").chainDepth, 2);
}

TEST(ChannelMessageParse, NullOptionalFieldsMeanAbsent) {
  auto m =
      parsedOk(R"({"fromAgent":"a","message":"m","toAgent":null,"model":null,"chainDepth":null})");
  EXPECT_EQ(m.toAgent, "");
  EXPECT_EQ(m.chainDepth, 0);
}

TEST(ChannelMessageParse, RepeatedFieldsKeepTheLastOneAsJsonParseDoes) {
  auto m = parsedOk(R"({"fromAgent":"a","message":"first","toAgent":"one","message":"second",)"
                    R"("toAgent":"two","chainDepth":3,"chainDepth":4})");
  EXPECT_EQ(m.message, "second");
  EXPECT_EQ(m.toAgent, "two");
  EXPECT_EQ(m.chainDepth, 4);
  // A null after a value: the field is absent, not the earlier value.
  EXPECT_EQ(parsedOk(R"({"fromAgent":"a","message":"m","toAgent":"one","toAgent":null})").toAgent,
            "");
  // A refused type after a good value is still refused.
  auto bad =
      channel::parseMessageRequest(R"({"fromAgent":"a","message":"m","model":"x","model":1})");
  EXPECT_FALSE(bad.request);
  EXPECT_EQ(bad.error, R"({"error":"model must be a string"})");
}

TEST(ChannelMessageParse, InvalidEmptyNullOrFalsyJsonIsInvalidJsonBody) {
  for (const char* body : {"", " ", "{", "not json", "null", "false", "0", "\"\"", "{\"a\":1,}"})
    EXPECT_EQ(parsedError(body).error, kInvalidJson) << body;
}

TEST(ChannelMessageParse, ArraysAndMissingOrNonStringFieldsAreMissingFromAgentOrMessage) {
  for (const char* body :
       {"[]", "[1]", "{}", R"({"fromAgent":"a"})", R"({"message":"m"})",
        R"({"fromAgent":"a","message":1})", R"({"fromAgent":["a"],"message":"m"})",
        R"({"fromAgent":"a","message":""})", R"({"fromAgent":"","message":"m"})",
        R"({"fromAgent":"a","message":null})", R"({"fromAgent":"a","message":true})"})
    EXPECT_EQ(parsedError(body).error, kMissingFields) << body;
}

TEST(ChannelMessageParse, WrongTypesOfOptionalFieldsAreRefusedNamingTheField) {
  EXPECT_PRED2(test::contains, parsedError(R"({"fromAgent":"a","message":"m","toAgent":3})").error,
               "toAgent");
  EXPECT_PRED2(test::contains,
               parsedError(R"({"fromAgent":"a","message":"m","chainDepth":-1})").error,
               "chainDepth");
  EXPECT_PRED2(test::contains,
               parsedError(R"({"fromAgent":"a","message":"m","timeoutMs":0})").error, "timeoutMs");
  EXPECT_PRED2(test::contains, parsedError(R"({"fromAgent":"a","message":"m","model":{}})").error,
               "model");
}

TEST(ChannelMessageParse, NumbersFromPeersAreBoundedInsteadOfOverflowing) {
  const std::string timeoutError = "{\"error\":\"timeoutMs must be a positive number of "
                                   "milliseconds, at most 86400000 (24 h)\"}";
  for (const char* timeout : {"9e15", "1e300", "86400001", "-5", "\"99999999999999999999\""}) {
    auto e = parsedError(std::string("{\"fromAgent\":\"a\",\"message\":\"m\",\"timeoutMs\":") +
                         timeout + "}");
    EXPECT_EQ(e.error, timeoutError) << timeout;
  }
  for (const char* depth : {"1e19", "1000001", "-1", "0.5e7"}) {
    auto e = parsedError(std::string("{\"fromAgent\":\"a\",\"message\":\"m\",\"chainDepth\":") +
                         depth + "}");
    EXPECT_EQ(e.error, "{\"error\":\"chainDepth must be a number from 0 to 1000000\"}") << depth;
  }
  EXPECT_EQ(parsedOk(R"({"fromAgent":"a","message":"m","timeoutMs":86400000})").timeoutMs,
            86400000);
}

// --- AgentChannel -------------------------------------------------------------------------------

TEST_F(ChannelWithEcho, PingNamesTheNodeAndTheCaller) {
  auto r = handle("GET", "/api/mesh/ping");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(
      r.body,
      R"({"ok":true,"status":"ok","tls":true,"node":"node-a","cn":"node-b","features":["tasks"]})");
}

TEST_F(ChannelWithEcho, MessageRunsTheDefaultAgentOnTheStrippedTask) {
  hostEcho();
  auto r = handle("POST", "/api/message",
                  R"({"fromAgent":"grok","message":"[Mesh delegation] review this diff"})");
  EXPECT_EQ(r.status, 200);
  EXPECT_PRED2(test::contains, r.body,
               R"({"response":"review this diff","agent":"echo","durationMs":)");
  EXPECT_PRED2(test::contains, r.body, R"(,"status":"completed"})");
}

TEST_F(ChannelWithEcho, MessageToHostedAgentRunsIt) {
  hostEcho();
  auto r =
      handle("POST", "/api/message", R"({"fromAgent":"grok","message":"hi","toAgent":"echo"})");
  EXPECT_EQ(r.status, 200);
  EXPECT_PRED2(test::contains, r.body, R"({"response":"hi","agent":"echo",)");
}

TEST_F(ChannelWithEcho, UnknownAgentIs404ListingTheDelegableAgents) {
  hostEcho();
  auto r = handle("POST", "/api/message", R"({"fromAgent":"grok","message":"hi","toAgent":"x"})");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.body, R"({"error":"Agent \"x\" not found locally or in the mesh. )"
                    R"(Agents you can delegate to: echo"})");
}

TEST_F(ChannelWithEcho, ChainDepthPastTheLimitIsA200Rejection) {
  hostEcho();
  auto r = handle("POST", "/api/message", R"({"fromAgent":"grok","message":"hi","chainDepth":4})");
  EXPECT_EQ(r.status, 200);
  EXPECT_PRED2(test::contains, r.body,
               R"({"response":"Delegation chain depth limit reached (3). Chain: grok → echo at )"
               R"(depth 4. Increase mesh.max_chain_depth in config if deeper chains are needed.",)"
               R"("agent":"echo",)");
  EXPECT_PRED2(test::contains, r.body, R"("status":"rejected"})");
}

TEST_F(ChannelWithEcho, InvalidBodiesAre400WithTheParserText) {
  hostEcho();
  EXPECT_EQ(handle("POST", "/api/message", "null").body, kInvalidJson);
  EXPECT_EQ(handle("POST", "/api/message", "[]").body, kMissingFields);
  EXPECT_EQ(handle("POST", "/api/message", "[]").status, 400);
}

TEST_F(ChannelWithEcho, NoAgentsIs503) {
  auto r = handle("POST", "/api/message", R"({"fromAgent":"grok","message":"hi"})");
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.body, R"({"error":"No agents available on this node"})");
}

TEST_F(ChannelWithEcho, AgentsListsIdNameAndProvider) {
  EXPECT_EQ(handle("GET", "/api/agents").body, R"({"agents":[]})");
  hostEcho();
  auto r = handle("GET", "/api/agents");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, R"({"agents":[{"id":"echo","name":"echo","provider":"echo"}]})");
}

TEST_F(ChannelWithEcho, OnlyExactPathsAndMethodsAreRouted) {
  hostEcho();
  const std::pair<const char*, const char*> requests[] = {
      {"GET", "/api/mesh/ping?x=1"}, {"GET", "/api/mesh/ping/"}, {"HEAD", "/api/mesh/ping"},
      {"POST", "/api/mesh/ping"},    {"GET", "/api/message"},    {"POST", "/api/agents"},
      {"GET", "/api/agents/"},       {"get", "/api/agents"},     {"GET", ""}};
  for (const auto& [method, path] : requests) {
    auto r = handle(method, path, "{}");
    EXPECT_EQ(r.status, 404) << method << " " << path;
    EXPECT_EQ(r.body, R"({"error":"Not found"})") << method << " " << path;
  }
}

TEST(ChannelMessageScalars, TruthyScalarIsMissingFieldsAndFalsyScalarIsInvalidJson) {
  using rivet::channel::parseMessageRequest;
  for (const char* truthy : {"42", "\"text\"", "true", "[1]"})
    EXPECT_EQ(parseMessageRequest(truthy).error, R"({"error":"Missing fromAgent or message"})")
        << truthy;
  for (const char* falsy : {"0", "\"\"", "false", "null", "", "{", "1 2"})
    EXPECT_EQ(parseMessageRequest(falsy).error, R"({"error":"Invalid JSON body"})") << falsy;
}

TEST(ChannelMessageParse, PathIsReadInOrderAndTheLastOneCounts) {
  auto m = parsedOk(R"({"fromAgent":"a","message":"m","path":["x@n1"],"path":["y@n2","z@n3"]})");
  EXPECT_EQ(m.path, (std::vector<std::string>{"y@n2", "z@n3"}));
  EXPECT_TRUE(
      parsedOk(R"({"fromAgent":"a","message":"m","path":["x@n1"],"path":null})").path.empty());
  std::string hops = "[";
  for (int i = 0; i < 64; ++i)
    hops += std::string(i ? "," : "") + "\"a" + std::to_string(i) + "@n\"";
  EXPECT_EQ(parsedOk(R"({"fromAgent":"a","message":"m","path":)" + hops + "]}").path.size(), 64u);
  const std::string badPath =
      R"({"error":"path must be an array of at most 64 \"agent@node\" strings"})";
  EXPECT_EQ(parsedError(R"({"fromAgent":"a","message":"m","path":)" + hops + R"(,"b@n"]})").error,
            badPath);
  for (const char* path : {R"([["a@b"]])", R"(["a@b",{"c":"d@e"}])", R"(["a@b",null])"})
    EXPECT_EQ(
        parsedError(std::string(R"({"fromAgent":"a","message":"m","path":)") + path + "}").error,
        badPath)
        << path;
}

TEST(ChannelMessageParse, MembersOfNestedObjectsAreNotTheBodys) {
  auto m = parsedOk(R"({"fromAgent":"a","message":"m","extra":{"toAgent":"evil","message":"no",)"
                    R"("path":["x@y"],"list":[{"model":"m2"}]},"more":[["toAgent","b"]]})");
  EXPECT_EQ(m.message, "m");
  EXPECT_EQ(m.toAgent, "");
  EXPECT_EQ(m.model, "");
  EXPECT_TRUE(m.path.empty());
  // Nested values of a kept member are its own: a refused type, not its members.
  EXPECT_EQ(parsedError(R"({"fromAgent":"a","message":"m","toAgent":{"toAgent":"x"}})").error,
            R"({"error":"toAgent must be a string: an agent id"})");
}
