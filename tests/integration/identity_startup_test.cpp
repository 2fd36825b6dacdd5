// docs/protocol.md §2 and docs/configuration.md at start-up: rivetd refuses to run with TLS
// material that does not prove the node's identity, exits 78 and says in one error line which path
// or value is wrong.
#include "MeshTestKit.hpp"

#include <gtest/gtest.h>

#include <sstream>

using namespace rivet::test;

namespace {

class IdentityStartup : public ::testing::Test {
protected:
  static void SetUpTestSuite() { pki_ = new TestPki; }
  static void TearDownTestSuite() {
    delete pki_;
    pki_ = nullptr;
  }

  // Runs rivetd with `s` to completion (it must not start).
  RunResult start(const NodeSettings& s) {
    NodeSettings settings = s;
    settings.port = freePort();
    return run({binPath("rivetd"), "--config", writeNodeConfig(dir_, settings)}, {},
               std::chrono::seconds(10));
  }

  // The ERROR lines rivetd wrote to stderr.
  static std::vector<std::string> errorLines(const std::string& err) {
    std::vector<std::string> lines;
    std::istringstream in(err);
    for (std::string line; std::getline(in, line);)
      if (contains(line, "ERROR"))
        lines.push_back(line);
    return lines;
  }

  // Exit 78 and exactly one error line, which contains every one of `needles`.
  static void expectRefusal(const RunResult& r, const std::vector<std::string>& needles) {
    EXPECT_EQ(r.exitCode, 78) << r.err;
    auto lines = errorLines(r.err);
    ASSERT_EQ(lines.size(), 1u) << r.err;
    for (const auto& n : needles)
      EXPECT_PRED2(contains, lines[0], n) << r.err;
  }

  static TestPki* pki_;
  TempDir dir_;
};

TestPki* IdentityStartup::pki_ = nullptr;

} // namespace

TEST_F(IdentityStartup, StartsWithMatchingCertificate) {
  NodeProcess node(nodeSettings(*pki_, "node-a"));
  ASSERT_TRUE(node.ready()) << node.output();
  EXPECT_TRUE(node.waitForOutput("Agent channel listening on :" + std::to_string(node.port()) +
                                 " (TLS, CN=node-a)"))
      << node.output();
  EXPECT_TRUE(node.waitForOutput("Node node-a ready: 1 agent (echo)")) << node.output();
  EXPECT_EQ(node.process().stop(), 0) << node.output();
}

TEST_F(IdentityStartup, MeshEnabledWithoutTlsExits78WithRivetOsMessage) {
  NodeSettings s = nodeSettings(*pki_, "node-a");
  s.tls = false;
  RunResult r = start(s);
  EXPECT_EQ(r.exitCode, 78) << r.err;
  EXPECT_PRED2(contains, r.err,
               "mesh.enabled requires tls configuration. TLS is mandatory when "
               "mesh is enabled — no plaintext fallback is allowed.");
}

TEST_F(IdentityStartup, MissingCertificateFileExits78NamingThePath) {
  NodeSettings s = nodeSettings(*pki_, "node-a");
  s.certPath = dir_.file("no-such-node-a.crt");
  expectRefusal(start(s), {"mesh.tls.cert_path", s.certPath});
}

TEST_F(IdentityStartup, KeyOfAnotherNodeExits78NamingTheKey) {
  NodeSettings s = nodeSettings(*pki_, "node-a");
  s.keyPath = pki_->issueNode("node-b").keyPath;
  expectRefusal(start(s), {"mesh.tls.key_path", s.keyPath, "does not belong to the certificate"});
}

TEST_F(IdentityStartup, CommonNameNotMatchingNodeNameExits78NamingBoth) {
  NodeSettings s = nodeSettings(*pki_, "node-a");
  s.name = "node-z";
  expectRefusal(start(s), {s.certPath, "CN=node-a", "mesh.node_name node-z"});
}

TEST_F(IdentityStartup, ExpiredCertificateExits78NamingThePath) {
  rivet::ca::IssueOptions o;
  o.notBefore = epochNow() - 10 * 86400;
  o.notAfter = epochNow() - 86400;
  o.fileStem = "node-a-expired";
  auto files = pki_->issueNode("node-a", o);
  NodeSettings s = nodeSettings(*pki_, "node-a");
  s.certPath = files.certPath;
  s.keyPath = files.keyPath;
  expectRefusal(start(s), {s.certPath, "expired on"});
}

// RivetOS's own CA tool issues CN=<name>.mesh; docs/protocol.md §2 accepts it as <name>. Our CA
// refuses to issue such a name, so this certificate is signed with the openssl command line.
TEST_F(IdentityStartup, AcceptsCommonNameWithMeshSuffix) {
  const std::string key = dir_.file("rivetos.key"), csr = dir_.file("rivetos.csr"),
                    crt = dir_.file("rivetos.crt"), ext = dir_.file("rivetos.ext");
  writeFile(ext, "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n"
                 "extendedKeyUsage=serverAuth,clientAuth\nsubjectAltName=DNS:node-m.mesh\n");
  ASSERT_EQ(run({"/usr/bin/openssl", "genpkey", "-algorithm", "EC", "-pkeyopt",
                 "ec_paramgen_curve:P-256", "-out", key})
                .exitCode,
            0);
  ASSERT_EQ(run({"/usr/bin/openssl", "req", "-new", "-key", key, "-subj",
                 "/O=Rivet Collective/CN=node-m.mesh", "-out", csr})
                .exitCode,
            0);
  RunResult sign = run({"/usr/bin/openssl", "x509", "-req", "-in", csr, "-CA",
                        pki_->file("ca/intermediate/intermediate.crt"), "-CAkey",
                        pki_->file("ca/intermediate/private/intermediate.key"), "-CAcreateserial",
                        "-days", "30", "-sha256", "-extfile", ext, "-out", crt});
  ASSERT_EQ(sign.exitCode, 0) << sign.err;

  NodeSettings s = nodeSettings(*pki_, "node-a");
  s.name = "node-m";
  s.certPath = crt;
  s.keyPath = key;
  NodeProcess node(s);
  ASSERT_TRUE(node.ready()) << node.output();
  EXPECT_EQ(node.process().stop(), 0) << node.output();
}
