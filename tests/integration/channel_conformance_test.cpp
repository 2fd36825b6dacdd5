// docs/protocol.md §3 against a running node over real mutual TLS: exact bodies and statuses of
// ping, /api/message, /api/agents, routing, JSON responses, keep-alive and the audit log line.
#include "MeshTestKit.hpp"

#include <gtest/gtest.h>

#include <Poco/JSON/Parser.h>

using namespace rivet::test;

namespace {

const char* kNotFound = R"({"error":"Not found"})";
const char* kInvalidJson = R"({"error":"Invalid JSON body"})";
const char* kMissingFields = R"({"error":"Missing fromAgent or message"})";

Poco::JSON::Object::Ptr parseObject(const std::string& body) {
  return Poco::JSON::Parser().parse(body).extract<Poco::JSON::Object::Ptr>();
}

class ChannelConformance : public ::testing::Test {
protected:
  static void SetUpTestSuite() {
    pki_ = new TestPki;
    pki_->issueNode("node-b");
    node_ = new NodeProcess(nodeSettings(*pki_, "node-a"));
  }
  static void TearDownTestSuite() {
    delete node_;
    delete pki_;
    node_ = nullptr;
    pki_ = nullptr;
  }

  void SetUp() override {
    ASSERT_TRUE(node_->ready()) << node_->output();
    ASSERT_TRUE(client_.connect(node_->port())) << client_.error();
  }

  // One request on the test's keep-alive connection; every response must be JSON.
  HttpResponse send(const std::string& method, const std::string& path,
                    const std::string& body = "",
                    const std::map<std::string, std::string>& headers = {}) {
    HttpResponse r;
    EXPECT_TRUE(client_.request(method, path, body, r, headers))
        << method << " " << path << ": " << client_.error();
    EXPECT_EQ(r.header("content-type"), "application/json") << method << " " << path;
    return r;
  }
  HttpResponse post(const std::string& body,
                    const std::map<std::string, std::string>& headers = {}) {
    return send("POST", "/api/message", body, headers);
  }

  static TestPki* pki_;
  static NodeProcess* node_;
  TestTlsClient client_{clientOptions(*pki_, "node-b", "node-a.mesh")};
};

TestPki* ChannelConformance::pki_ = nullptr;
NodeProcess* ChannelConformance::node_ = nullptr;

} // namespace

TEST_F(ChannelConformance, PingAnswersNodeAndCallerCn) {
  HttpResponse r = send("GET", "/api/mesh/ping");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(
      r.body,
      R"({"ok":true,"status":"ok","tls":true,"node":"node-a","cn":"node-b","features":["tasks"]})");
}

TEST_F(ChannelConformance, MessageRunsDefaultAgentWithDelegationPrefixStripped) {
  HttpResponse r = post(R"({"fromAgent":"grok","message":"[Mesh delegation] review this diff",)"
                        R"("waitForResponse":true,"chainDepth":1,"timeoutMs":60000})");
  ASSERT_EQ(r.status, 200) << r.body;
  auto reply = parseObject(r.body);
  EXPECT_EQ(reply->getValue<std::string>("response"), "review this diff");
  EXPECT_EQ(reply->getValue<std::string>("agent"), "echo");
  EXPECT_TRUE(reply->get("durationMs").isInteger()) << r.body;
  EXPECT_GE(reply->getValue<int64_t>("durationMs"), 0);
  EXPECT_EQ(reply->getValue<std::string>("status"), "completed");
}

TEST_F(ChannelConformance, MessageStripsOnlyOneDelegationPrefix) {
  HttpResponse r =
      post(R"({"fromAgent":"grok","message":"[Mesh delegation]\n [Mesh delegation] twice"})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(parseObject(r.body)->getValue<std::string>("response"), "[Mesh delegation] twice");
}

TEST_F(ChannelConformance, MessageToHostedAgentRunsThatAgent) {
  HttpResponse r = post(R"({"fromAgent":"grok","message":"hello","toAgent":"echo"})");
  ASSERT_EQ(r.status, 200) << r.body;
  auto reply = parseObject(r.body);
  EXPECT_EQ(reply->getValue<std::string>("response"), "hello");
  EXPECT_EQ(reply->getValue<std::string>("agent"), "echo");
  EXPECT_EQ(reply->getValue<std::string>("status"), "completed");
}

TEST_F(ChannelConformance, UnknownToAgentGets404ListingTheAgentsToDelegateTo) {
  HttpResponse r = post(R"({"fromAgent":"grok","message":"hello","toAgent":"x"})");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.body, R"({"error":"Agent \"x\" not found locally or in the mesh. )"
                    R"(Agents you can delegate to: echo"})");
}

TEST_F(ChannelConformance, ChainDepthPastTheLimitIsRejectedWithRivetOsTextNamingOurKey) {
  HttpResponse r = post(R"({"fromAgent":"grok","message":"loop","chainDepth":4})");
  ASSERT_EQ(r.status, 200) << r.body;
  auto reply = parseObject(r.body);
  EXPECT_EQ(reply->getValue<std::string>("status"), "rejected");
  EXPECT_EQ(reply->getValue<std::string>("agent"), "echo");
  EXPECT_EQ(reply->getValue<std::string>("response"),
            "Delegation chain depth limit reached (3). Chain: grok → echo at depth 4. Increase "
            "mesh.max_chain_depth in config if deeper chains are needed.");
}

TEST_F(ChannelConformance, ChainDepthAtTheLimitRuns) {
  HttpResponse r = post(R"({"fromAgent":"grok","message":"deep","chainDepth":3})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(parseObject(r.body)->getValue<std::string>("status"), "completed");
}

TEST_F(ChannelConformance, InvalidEmptyOrNullJsonGets400InvalidJsonBody) {
  for (const char* body : {"", "{", "not json", "null", "{\"fromAgent\":", "false", "0", "\"\""}) {
    HttpResponse r = post(body);
    EXPECT_EQ(r.status, 400) << "body: " << body;
    EXPECT_EQ(r.body, kInvalidJson) << "body: " << body;
  }
}

TEST_F(ChannelConformance, ArrayMissingFieldsOrNonStringMessageGets400) {
  for (const char* body :
       {"[]", R"([{"fromAgent":"a","message":"m"}])", "{}", R"({"fromAgent":"grok"})",
        R"({"message":"hello"})", R"({"fromAgent":"grok","message":42})",
        R"({"fromAgent":"grok","message":{"text":"hi"}})", R"({"fromAgent":7,"message":"hi"})",
        R"({"fromAgent":"grok","message":""})", R"({"fromAgent":"grok","message":null})"}) {
    HttpResponse r = post(body);
    EXPECT_EQ(r.status, 400) << "body: " << body;
    EXPECT_EQ(r.body, kMissingFields) << "body: " << body;
  }
}

TEST_F(ChannelConformance, PathsMatchExactly) {
  const std::pair<const char*, const char*> requests[] = {{"GET", "/api/mesh/ping?x=1"},
                                                          {"GET", "/api/mesh/ping/"},
                                                          {"POST", "/api/mesh/ping"},
                                                          {"GET", "/API/mesh/ping"},
                                                          {"GET", "/api/agents/"},
                                                          {"GET", "/api/agents?all"},
                                                          {"GET", "/api/message"},
                                                          {"PUT", "/api/message"},
                                                          {"POST", "/api/message/"},
                                                          {"POST", "/api/message?x"},
                                                          {"GET", "/"},
                                                          {"DELETE", "/api/agents"}};
  for (const auto& [method, path] : requests) {
    HttpResponse r = send(method, path, std::string(method) == "GET" ? "" : "{}");
    EXPECT_EQ(r.status, 404) << method << " " << path;
    EXPECT_EQ(r.body, kNotFound) << method << " " << path;
  }
}

TEST_F(ChannelConformance, HeadGets404WithoutBodyAndTheConnectionStaysUsable) {
  HttpResponse head = send("HEAD", "/api/mesh/ping");
  EXPECT_EQ(head.status, 404);
  // A HEAD response has no body (RFC 9110 §9.3.2); bytes after its head would be read as the
  // start of the next response on this keep-alive connection.
  HttpResponse ping = send("GET", "/api/mesh/ping");
  EXPECT_EQ(ping.status, 200) << client_.error();
  EXPECT_EQ(
      ping.body,
      R"({"ok":true,"status":"ok","tls":true,"node":"node-a","cn":"node-b","features":["tasks"]})");
}

TEST_F(ChannelConformance, RequestContentTypeIsIgnored) {
  for (const char* type : {"text/plain", "application/x-www-form-urlencoded", "application/xml"}) {
    HttpResponse r = post(R"({"fromAgent":"grok","message":"typed"})", {{"Content-Type", type}});
    ASSERT_EQ(r.status, 200) << type << ": " << r.body;
    EXPECT_EQ(parseObject(r.body)->getValue<std::string>("response"), "typed") << type;
  }
}

TEST_F(ChannelConformance, KeepAliveServesSeveralRequestsOnOneConnection) {
  std::string fingerprint = client_.serverFingerprint();
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(send("GET", "/api/mesh/ping").status, 200);
    EXPECT_EQ(post(R"({"fromAgent":"grok","message":"again"})").status, 200);
    EXPECT_EQ(send("GET", "/api/agents").status, 200);
    HttpResponse missing = send("GET", "/nowhere");
    EXPECT_EQ(missing.status, 404);
    EXPECT_EQ(missing.header("connection"), "keep-alive");
  }
  EXPECT_EQ(client_.serverFingerprint(), fingerprint);
}

TEST_F(ChannelConformance, PipelinedRequestsAreAnsweredInOrder) {
  std::string ping = "GET /api/mesh/ping HTTP/1.1\r\nHost: node-a.mesh\r\n\r\n";
  std::string body = R"({"fromAgent":"grok","message":"second"})";
  std::string message = "POST /api/message HTTP/1.1\r\nHost: node-a.mesh\r\nContent-Length: " +
                        std::to_string(body.size()) + "\r\n\r\n" + body;
  ASSERT_TRUE(client_.sendRaw(ping + message + ping)) << client_.error();
  HttpResponse first, second, third;
  ASSERT_TRUE(client_.readResponse(first) && client_.readResponse(second) &&
              client_.readResponse(third))
      << client_.error();
  EXPECT_PRED2(contains, first.body, R"("node":"node-a")");
  EXPECT_PRED2(contains, second.body, R"({"response":"second","agent":"echo")");
  EXPECT_PRED2(contains, third.body, R"("node":"node-a")");
}

// 400 requests in one write: each is answered in order, and the loop serving them still gives
// another client its turn (an answer written at once never makes the reader run nested).
TEST_F(ChannelConformance, FourHundredPipelinedRequestsAreAnsweredInOrderBesideAnotherClient) {
  std::string burst;
  for (int i = 0; i < 400; ++i) {
    std::string body = R"({"fromAgent":"grok","message":"m)" + std::to_string(i) + "\"}";
    burst += "POST /api/message HTTP/1.1\r\nHost: node-a.mesh\r\nContent-Length: " +
             std::to_string(body.size()) + "\r\n\r\n" + body;
  }
  ASSERT_TRUE(client_.sendRaw(burst)) << client_.error();
  TestTlsClient other{clientOptions(*pki_, "node-b", "node-a.mesh")};
  ASSERT_TRUE(other.connect(node_->port())) << other.error();
  HttpResponse ping;
  ASSERT_TRUE(other.request("GET", "/api/mesh/ping", "", ping)) << other.error();
  EXPECT_EQ(ping.status, 200);
  for (int i = 0; i < 400; ++i) {
    HttpResponse r;
    ASSERT_TRUE(client_.readResponse(r)) << "answer " << i << ": " << client_.error();
    ASSERT_EQ(r.status, 200) << "answer " << i << ": " << r.body;
    ASSERT_PRED2(contains, r.body, R"({"response":"m)" + std::to_string(i) + "\"")
        << "answer " << i;
  }
  EXPECT_EQ(send("GET", "/api/mesh/ping").status, 200);
}

// Expect: 100-continue with the body and a second request in the same write: the interim
// answer, then both answers, nothing lost or read twice.
TEST_F(ChannelConformance, ExpectContinueWithTheBodyInTheSameWriteIsAnswered) {
  std::string body = R"({"fromAgent":"grok","message":"eager"})";
  ASSERT_TRUE(client_.sendRaw("POST /api/message HTTP/1.1\r\nHost: node-a.mesh\r\n"
                              "Expect: 100-continue\r\nContent-Length: " +
                              std::to_string(body.size()) + "\r\n\r\n" + body +
                              "GET /api/mesh/ping HTTP/1.1\r\nHost: node-a.mesh\r\n\r\n"))
      << client_.error();
  HttpResponse interim, answer, ping;
  ASSERT_TRUE(client_.readResponse(interim)) << client_.error();
  EXPECT_EQ(interim.status, 100);
  ASSERT_TRUE(client_.readResponse(answer)) << client_.error();
  EXPECT_EQ(answer.status, 200);
  EXPECT_PRED2(contains, answer.body, R"({"response":"eager")");
  ASSERT_TRUE(client_.readResponse(ping)) << client_.error();
  EXPECT_EQ(ping.status, 200);
  EXPECT_PRED2(contains, ping.body, R"("node":"node-a")");
}

TEST_F(ChannelConformance, AcceptedDelegationIsAuditedWithPeerCn) {
  std::string message = "[Mesh delegation] " + std::string(120, 'a') + "TAIL";
  size_t mark = node_->output().size();
  HttpResponse r = post(R"({"fromAgent":"grok","message":")" + message + "\"}");
  ASSERT_EQ(r.status, 200) << r.body;
  std::string expected = "INFO  [AgentChannel] Received mesh delegation peer.cn=node-b from grok "
                         "→ echo: " +
                         message.substr(0, 100) + "...\n";
  EXPECT_TRUE(node_->waitForOutputSince(mark, expected)) << node_->outputSince(mark);
  EXPECT_FALSE(contains(node_->outputSince(mark), "TAIL"));
}

TEST_F(ChannelConformance, AgentsListsTheHostedAgents) {
  HttpResponse r = send("GET", "/api/agents");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, R"({"agents":[{"id":"echo","name":"echo","provider":"echo"}]})");
}

TEST(ChannelWithoutAgents, MessageGets503NoAgentsAvailable) {
  TestPki pki;
  pki.issueNode("node-b");
  NodeSettings s = nodeSettings(pki, "node-a");
  s.agentsYaml = "agents: {}\n";
  NodeProcess node(s);
  ASSERT_TRUE(node.ready()) << node.output();
  TestTlsClient client(clientOptions(pki, "node-b", "node-a.mesh"));
  ASSERT_TRUE(client.connect(node.port())) << client.error();
  HttpResponse r;
  ASSERT_TRUE(client.request("POST", "/api/message", R"({"fromAgent":"grok","message":"hi"})", r))
      << client.error();
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.body, R"({"error":"No agents available on this node"})");
  EXPECT_EQ(r.header("content-type"), "application/json");
  ASSERT_TRUE(client.get("/api/agents", r)) << client.error();
  EXPECT_EQ(r.body, R"({"agents":[]})");
}
