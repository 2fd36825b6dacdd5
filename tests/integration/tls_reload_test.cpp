// Certificate rotation on a running node: SIGHUP or a changed file swaps the certificate for new
// connections, open ones keep working, and a broken file is refused while the old one stays.
#include "MeshTestKit.hpp"

#include <gtest/gtest.h>

#include <csignal>
#include <cstdio>

using namespace rivet::test;

namespace {

class TlsReload : public ::testing::Test {
protected:
  static void SetUpTestSuite() {
    pki_ = new TestPki;
    live_ = new TempDir;
    pki_->issueNode("node-b");
    NodeSettings s = nodeSettings(*pki_, "node-a");
    s.certPath = live_->file("node-a.crt");
    s.keyPath = live_->file("node-a.key");
    install(pki_->file("ca/issued/node-a.crt"), pki_->file("ca/issued/node-a.key"));
    node_ = new NodeProcess(s);
  }
  static void TearDownTestSuite() {
    delete node_;
    delete live_;
    delete pki_;
    node_ = nullptr;
    live_ = nullptr;
    pki_ = nullptr;
  }
  void SetUp() override { ASSERT_TRUE(node_->ready()) << node_->output(); }

  // Replaces the node's certificate and key files the way a deployment tool does (rename).
  static void install(const std::string& cert, const std::string& key) {
    replaceFile(live_->file("node-a.key"), readFile(key));
    replaceFile(live_->file("node-a.crt"), readFile(cert));
  }
  static void replaceFile(const std::string& path, const std::string& content) {
    writeFile(path + ".tmp", content);
    ASSERT_EQ(std::rename((path + ".tmp").c_str(), path.c_str()), 0) << path;
  }
  // Issues a new node-a certificate (new key, new serial, an extra SAN) under `stem`; returns
  // the fingerprint of the certificate.
  static std::string issueVersion(const std::string& stem, std::string& cert, std::string& key) {
    rivet::ca::IssueOptions o;
    o.fileStem = stem;
    o.dnsNames = {stem + ".example"};
    auto files = pki_->issueNode("node-a", o);
    cert = files.certPath;
    key = files.keyPath;
    return certificateFingerprint(cert);
  }

  static TlsClientOptions meshClient() { return clientOptions(*pki_, "node-b", "node-a.mesh"); }

  // The fingerprint a new connection sees, after checking that it is served.
  static std::string servedFingerprint() {
    TestTlsClient client(meshClient());
    HttpResponse r;
    EXPECT_TRUE(client.connect(node_->port()) && client.get("/api/mesh/ping", r)) << client.error();
    EXPECT_EQ(r.status, 200);
    return client.serverFingerprint();
  }

  static TestPki* pki_;
  static TempDir* live_;
  static NodeProcess* node_;
};

TestPki* TlsReload::pki_ = nullptr;
TempDir* TlsReload::live_ = nullptr;
NodeProcess* TlsReload::node_ = nullptr;

} // namespace

TEST_F(TlsReload, SighupServesNewCertificateToNewConnectionsWhileOpenOnesKeepWorking) {
  TestTlsClient open(meshClient());
  HttpResponse r;
  ASSERT_TRUE(open.connect(node_->port()) && open.get("/api/mesh/ping", r)) << open.error();
  std::string before = open.serverFingerprint();
  EXPECT_EQ(before, certificateFingerprint(live_->file("node-a.crt")));

  std::string cert, key;
  std::string renewed = issueVersion("node-a-sighup", cert, key);
  ASSERT_NE(renewed, before);
  size_t mark = node_->output().size();
  install(cert, key);
  node_->process().signal(SIGHUP);
  ASSERT_TRUE(node_->waitForOutputSince(
      mark, "INFO  [AgentChannel] TLS material reloaded (SIGHUP): " + live_->file("node-a.crt") +
                ", CN=node-a"))
      << node_->outputSince(mark);

  EXPECT_EQ(servedFingerprint(), renewed);
  ASSERT_TRUE(open.get("/api/mesh/ping", r)) << "the open connection broke: " << open.error();
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(open.serverFingerprint(), before);
}

TEST_F(TlsReload, SighupWithBrokenCertificateIsRefusedAndThePreviousOneIsStillServed) {
  std::string before = servedFingerprint();
  ASSERT_FALSE(before.empty());
  size_t mark = node_->output().size();
  replaceFile(live_->file("node-a.crt"), "-----BEGIN CERTIFICATE-----\nbroken\n");
  node_->process().signal(SIGHUP);
  std::string refused = "ERROR [AgentChannel] TLS reload refused (SIGHUP): mesh.tls.cert_path " +
                        live_->file("node-a.crt") + " is not a PEM certificate";
  ASSERT_TRUE(node_->waitForOutputSince(mark, refused)) << node_->outputSince(mark);
  EXPECT_PRED2(contains, node_->outputSince(mark), "; keeping the previous certificate");

  EXPECT_EQ(servedFingerprint(), before);
  EXPECT_TRUE(node_->process().running()) << node_->outputSince(mark);
}

TEST_F(TlsReload, ChangedFilesAreReloadedWithoutSighup) {
  std::string cert, key;
  std::string renewed = issueVersion("node-a-watched", cert, key);
  size_t mark = node_->output().size();
  install(cert, key);
  ASSERT_TRUE(node_->waitForOutputSince(mark, "TLS material reloaded (a certificate file changed)",
                                        std::chrono::seconds(3)))
      << node_->outputSince(mark);
  EXPECT_EQ(servedFingerprint(), renewed);
}
