// docs/protocol.md §1, §2, §7 over real TLS: every client the agent channel must refuse is refused
// in the handshake, the client sees why, and the node logs one WARN naming the address and reason.
#include "MeshTestKit.hpp"

#include <gtest/gtest.h>

#include <openssl/ssl.h>

using namespace rivet::test;

namespace {

constexpr int64_t kDay = 86400;

class TlsMatrix : public ::testing::Test {
protected:
  static void SetUpTestSuite() {
    pki_ = new TestPki;
    foreign_ = new TestPki;
    pki_->issueNode("node-b");
    pki_->issueAgent("scout", "node-b");
    rivet::ca::IssueOptions expired;
    expired.notBefore = epochNow() - 10 * kDay;
    expired.notAfter = epochNow() - kDay;
    expired.fileStem = "expired";
    pki_->issueNode("node-b", expired);
    rivet::ca::IssueOptions future;
    future.notBefore = epochNow() + kDay;
    future.notAfter = epochNow() + 10 * kDay;
    future.fileStem = "future";
    pki_->issueNode("node-b", future);
    rivet::ca::IssueOptions serverOnly;
    serverOnly.extendedKeyUsage = {"serverAuth"};
    serverOnly.fileStem = "server-only";
    pki_->issueNode("node-b", serverOnly);
    rivet::ca::IssueOptions revoked;
    revoked.fileStem = "revoked";
    pki_->issueNode("node-b", revoked);
    pki_->revoke("revoked");
    foreign_->issueNode("node-b");

    NodeSettings s = nodeSettings(*pki_, "node-a");
    s.crlPath = pki_->writeCrl();
    node_ = new NodeProcess(s);
  }

  static void TearDownTestSuite() {
    delete node_;
    delete foreign_;
    delete pki_;
    node_ = nullptr;
    foreign_ = nullptr;
    pki_ = nullptr;
  }

  void SetUp() override { ASSERT_TRUE(node_->ready()) << node_->output(); }

  // A client presenting the certificate `stem` of this mesh's CA, checking node-a.mesh.
  static TlsClientOptions meshClient(const std::string& stem) {
    return clientOptions(*pki_, stem, "node-a.mesh");
  }

  // Connects and pings; returns "" when the ping was answered, else the client's error.
  static std::string pingFailure(TestTlsClient& client, HttpResponse& response) {
    if (!client.connect(node_->port()))
      return client.error();
    if (!client.get("/api/mesh/ping", response))
      return client.error();
    return "";
  }

  // Connects without sending a request; returns the client's error once the server refused.
  // With TLS 1.3 the client finishes its side first, so the server's alert arrives on the
  // first read.
  static std::string refusal(TestTlsClient& client) {
    if (!client.connect(node_->port()))
      return client.error();
    if (client.waitForClose(std::chrono::seconds(3)))
      return client.error();
    return "the server accepted the handshake";
  }

  // Expects the node to log the refused handshake of `client` with `reason`.
  static void expectServerWarning(const TestTlsClient& client, size_t mark,
                                  const std::string& reason) {
    std::string line =
        "TLS handshake failed from 127.0.0.1:" + std::to_string(client.localPort()) + ": ";
    ASSERT_TRUE(node_->waitForOutputSince(mark, line)) << node_->outputSince(mark);
    std::string out = node_->outputSince(mark);
    size_t at = out.find(line);
    size_t begin = out.rfind('\n', at);
    std::string logged = out.substr(begin == std::string::npos ? 0 : begin + 1);
    logged = logged.substr(0, logged.find('\n'));
    EXPECT_PRED2(contains, logged, "WARN  [AgentChannel] ") << logged;
    EXPECT_PRED2(contains, logged, reason) << logged;
  }

  static TestPki* pki_;
  static TestPki* foreign_;
  static NodeProcess* node_;
};

TestPki* TlsMatrix::pki_ = nullptr;
TestPki* TlsMatrix::foreign_ = nullptr;
NodeProcess* TlsMatrix::node_ = nullptr;

} // namespace

TEST_F(TlsMatrix, AcceptsNodeCertificateOfTheMesh) {
  TestTlsClient client(meshClient("node-b"));
  HttpResponse r;
  ASSERT_EQ(pingFailure(client, r), "");
  EXPECT_EQ(r.status, 200);
  EXPECT_PRED2(contains, r.body, R"("cn":"node-b")") << r.body;
}

TEST_F(TlsMatrix, AcceptsTls12Client) {
  TlsClientOptions o = meshClient("node-b");
  o.maxProtocol = TLS1_2_VERSION;
  TestTlsClient client(o);
  HttpResponse r;
  ASSERT_EQ(pingFailure(client, r), "");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(client.negotiatedProtocol(), "TLSv1.2");
}

TEST_F(TlsMatrix, RejectsClientWithoutCertificate) {
  size_t mark = node_->output().size();
  TestTlsClient client(meshClient(""));
  std::string error = refusal(client);
  EXPECT_PRED2(contains, error, "certificate required") << error;
  expectServerWarning(client, mark, "peer did not return a certificate");
}

TEST_F(TlsMatrix, RejectsCertificateFromAnotherCa) {
  size_t mark = node_->output().size();
  TlsClientOptions o = clientOptions(*foreign_, "node-b", "node-a.mesh");
  o.caPath = pki_->chainPath(); // the client trusts the node; the node must not trust it
  TestTlsClient client(o);
  std::string error = refusal(client);
  EXPECT_PRED2(contains, error, "unknown ca") << error;
  expectServerWarning(client, mark, "unknown ca (");
}

TEST_F(TlsMatrix, RejectsExpiredCertificate) {
  size_t mark = node_->output().size();
  TestTlsClient client(meshClient("expired"));
  std::string error = refusal(client);
  EXPECT_PRED2(contains, error, "certificate expired") << error;
  expectServerWarning(client, mark, "certificate has expired [");
}

TEST_F(TlsMatrix, RejectsCertificateNotYetValid) {
  size_t mark = node_->output().size();
  TestTlsClient client(meshClient("future"));
  std::string error = refusal(client);
  EXPECT_PRED2(contains, error, "alert bad certificate") << error;
  expectServerWarning(client, mark, "certificate is not yet valid");
}

TEST_F(TlsMatrix, RejectsRevokedCertificateWhenCrlIsConfigured) {
  size_t mark = node_->output().size();
  TestTlsClient client(meshClient("revoked"));
  std::string error = refusal(client);
  EXPECT_PRED2(contains, error, "certificate revoked") << error;
  expectServerWarning(client, mark, "certificate revoked");
}

TEST_F(TlsMatrix, RejectsServerAuthOnlyCertificateUsedAsClient) {
  size_t mark = node_->output().size();
  TestTlsClient client(meshClient("server-only"));
  std::string error = refusal(client);
  EXPECT_PRED2(contains, error, "unsupported certificate") << error;
  expectServerWarning(client, mark, "certificate purpose (its extended key usage");
}

TEST_F(TlsMatrix, RejectsTls11Client) {
  size_t mark = node_->output().size();
  TlsClientOptions o = meshClient("node-b");
  o.maxProtocol = TLS1_1_VERSION;
  TestTlsClient client(o);
  EXPECT_FALSE(client.connect(node_->port())) << "a TLS 1.1 handshake succeeded";
  EXPECT_PRED2(contains, client.error(), "protocol version") << client.error();
  expectServerWarning(client, mark, "unsupported protocol: ");
}

TEST_F(TlsMatrix, RejectsPlainHttpOnTheTlsPort) {
  size_t mark = node_->output().size();
  TestTlsClient client(meshClient("node-b"));
  ASSERT_TRUE(client.connectPlain(node_->port())) << client.error();
  ASSERT_TRUE(client.sendRaw("GET /api/mesh/ping HTTP/1.1\r\nHost: node-a.mesh\r\n\r\n"));
  std::string answer = client.readUntilClose(std::chrono::seconds(3));
  EXPECT_EQ(answer.rfind("HTTP/", 0), std::string::npos) << "plain HTTP was answered: " << answer;
  expectServerWarning(client, mark, "http request: plain HTTP");
}

TEST_F(TlsMatrix, ClientCheckingAnotherNodeNameRefusesTheServer) {
  TestTlsClient client(clientOptions(*pki_, "node-b", "node-c.mesh"));
  EXPECT_FALSE(client.connect(node_->port())) << "node-a's certificate passed as node-c.mesh";
  EXPECT_PRED2(contains, client.error(), "certificate verify failed") << client.error();
  EXPECT_PRED2(contains, client.error(), "hostname mismatch") << client.error();
  EXPECT_TRUE(node_->process().running());
}

TEST_F(TlsMatrix, AcceptsAgentCertificateAndReportsItsCn) {
  TestTlsClient client(meshClient("scout@node-b"));
  HttpResponse r;
  ASSERT_EQ(pingFailure(client, r), "");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(
      r.body,
      R"({"ok":true,"status":"ok","tls":true,"node":"node-a","cn":"scout@node-b","features":["tasks"]})");
}

TEST_F(TlsMatrix, ServerPresentsIntermediateSoRootOnlyTrustWorks) {
  TlsClientOptions o = meshClient("node-b");
  o.caPath = pki_->rootCertPath();
  TestTlsClient client(o);
  HttpResponse r;
  ASSERT_EQ(pingFailure(client, r), "");
  EXPECT_EQ(r.status, 200);
}
