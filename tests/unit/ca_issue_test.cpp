// Node and agent certificates from `CertificateAuthority::issue*`: names, SANs, usages, key
// types, validity options, file modes, and checks that refuse bad input with a reason.
#include "TestSupport.hpp"

#include "ca/CertificateAuthority.hpp"

#include <ctime>
#include <functional>
#include <set>
#include <sys/stat.h>

#include <gtest/gtest.h>

using namespace rivet::ca;
using rivet::test::contains;
using rivet::test::readFile;
using rivet::test::run;
using rivet::test::RunResult;
using rivet::test::TempDir;

namespace {

using Strings = std::vector<std::string>;

class CaIssue : public ::testing::Test {
protected:
  // `openssl verify` trusting the root only; the intermediate comes as an untrusted helper,
  // as a peer receives it in the TLS handshake.
  RunResult verify(const std::string& cert, const Strings& extra = {}) {
    Strings argv = {"/usr/bin/openssl",
                    "verify",
                    "-x509_strict",
                    "-CAfile",
                    root_ + "/ca.crt",
                    "-untrusted",
                    dir_ + "/intermediate/intermediate.crt"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    argv.push_back(cert);
    return run(argv);
  }

  std::string text(const std::string& cert) {
    return run({"/usr/bin/openssl", "x509", "-in", cert, "-noout", "-text"}).out;
  }

  TempDir tmp_;
  std::string dir_ = tmp_.file("ca");
  std::string root_ = tmp_.file("root");
  CertificateAuthority ca_ = CertificateAuthority::init(dir_, root_);
};

int64_t now() {
  return static_cast<int64_t>(std::time(nullptr));
}

IssueOptions withSans(const Strings& ips, const Strings& dnsNames = {}) {
  IssueOptions o;
  o.ips = ips;
  o.dnsNames = dnsNames;
  return o;
}

void expectCaError(const std::function<void()>& f, const std::string& expected) {
  try {
    f();
    ADD_FAILURE() << "no CaError; expected one containing: " << expected;
  } catch (const CaError& e) {
    EXPECT_TRUE(contains(e.what(), expected)) << e.what();
  }
}

} // namespace

TEST_F(CaIssue, NodeCertificateHasCnMeshNameExtraSansAndBothUsages) {
  IssueOptions o;
  o.ips = {"127.0.0.1", "10.1.2.3", "::1"};
  o.dnsNames = {"node-a", "node-a.example.org"};
  auto files = ca_.issueNode("node-a", o);
  EXPECT_EQ(files.certPath, dir_ + "/issued/node-a.crt");
  EXPECT_EQ(files.keyPath, dir_ + "/issued/node-a.key");
  auto info = readCertificate(files.certPath);
  EXPECT_EQ(info.commonName, "node-a");
  EXPECT_EQ(info.subject, "O=Rivet Collective, CN=node-a");
  EXPECT_EQ(info.issuer, "O=Rivet Collective, CN=Rivet Intermediate CA");
  EXPECT_EQ(info.dnsNames, (Strings{"node-a.mesh", "node-a", "node-a.example.org"}));
  EXPECT_EQ(info.ips, (Strings{"127.0.0.1", "10.1.2.3", "::1"}));
  EXPECT_EQ(info.extendedKeyUsage, (Strings{"serverAuth", "clientAuth"}));
  EXPECT_FALSE(info.isCa);
}

TEST_F(CaIssue, NodeCertificateVerifiesForServerAndClientUseAndForItsMeshName) {
  auto files = ca_.issueNode("node-a", withSans({"127.0.0.1"}));
  auto server =
      verify(files.certPath, {"-purpose", "sslserver", "-verify_hostname", "node-a.mesh"});
  EXPECT_EQ(server.exitCode, 0) << server.out << server.err;
  auto client = verify(files.certPath, {"-purpose", "sslclient"});
  EXPECT_EQ(client.exitCode, 0) << client.out << client.err;
  auto byIp = verify(files.certPath, {"-verify_ip", "127.0.0.1"});
  EXPECT_EQ(byIp.exitCode, 0) << byIp.out << byIp.err;
  auto wrongName = verify(files.certPath, {"-verify_hostname", "node-b.mesh"});
  EXPECT_NE(wrongName.exitCode, 0);
}

TEST_F(CaIssue, LeafHasCriticalConstraintsKeyUsageAndKeyIdentifiers) {
  std::string t = text(ca_.issueNode("n1").certPath);
  EXPECT_TRUE(contains(t, "X509v3 Basic Constraints: critical\n                CA:FALSE")) << t;
  EXPECT_TRUE(contains(t, "X509v3 Key Usage: critical\n                Digital Signature\n")) << t;
  EXPECT_TRUE(contains(t, "X509v3 Subject Key Identifier")) << t;
  EXPECT_TRUE(contains(t, "X509v3 Authority Key Identifier")) << t;
  EXPECT_TRUE(contains(t, "Signature Algorithm: ecdsa-with-SHA256")) << t;
}

TEST_F(CaIssue, DefaultKeyIsEcdsaP256ValidFor90Days) {
  auto files = ca_.issueNode("n1");
  auto info = readCertificate(files.certPath);
  EXPECT_EQ(info.keyType, "EC P-256");
  EXPECT_EQ(info.notAfter - info.notBefore, 90 * 86400 + 300); // backdated five minutes
  EXPECT_NEAR(static_cast<double>(info.notAfter), static_cast<double>(now() + 90 * 86400), 60);
  EXPECT_TRUE(contains(readFile(files.keyPath), "-----BEGIN PRIVATE KEY-----"));
}

TEST_F(CaIssue, RsaOptionGivesRsa2048WithKeyEncipherment) {
  IssueOptions o;
  o.rsa = true;
  auto files = ca_.issueNode("n1", o);
  EXPECT_EQ(readCertificate(files.certPath).keyType, "RSA 2048");
  std::string t = text(files.certPath);
  EXPECT_TRUE(contains(t, "Digital Signature, Key Encipherment")) << t;
  EXPECT_EQ(verify(files.certPath).exitCode, 0);
}

TEST_F(CaIssue, KeyFileIsMode0600AndMatchesTheCertificate) {
  auto files = ca_.issueNode("n1");
  struct stat st {};
  ASSERT_EQ(::stat(files.keyPath.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto certKey = run({"/usr/bin/openssl", "x509", "-in", files.certPath, "-noout", "-pubkey"});
  auto keyKey = run({"/usr/bin/openssl", "pkey", "-in", files.keyPath, "-pubout"});
  EXPECT_EQ(certKey.out, keyKey.out);
}

TEST_F(CaIssue, CertificateFileHoldsTheLeafOnly) {
  std::string pem = readFile(ca_.issueNode("n1").certPath);
  EXPECT_EQ(pem.find("BEGIN CERTIFICATE"), pem.rfind("BEGIN CERTIFICATE"));
}

TEST_F(CaIssue, AgentCertificateIsAgentAtNodeForClientAuthOnly) {
  auto files = ca_.issueAgent("opus", "ct201");
  EXPECT_EQ(files.certPath, dir_ + "/issued/opus@ct201.crt");
  EXPECT_EQ(files.keyPath, dir_ + "/issued/opus@ct201.key");
  auto info = readCertificate(files.certPath);
  EXPECT_EQ(info.commonName, "opus@ct201");
  EXPECT_EQ(info.extendedKeyUsage, Strings{"clientAuth"});
  EXPECT_TRUE(info.dnsNames.empty());
  EXPECT_EQ(verify(files.certPath, {"-purpose", "sslclient"}).exitCode, 0);
  EXPECT_NE(verify(files.certPath, {"-purpose", "sslserver"}).exitCode, 0);
}

TEST_F(CaIssue, ServerAuthOnlyOptionGivesACertificateThatIsNoClient) {
  IssueOptions o;
  o.extendedKeyUsage = {"serverAuth"};
  o.fileStem = "server-only";
  auto files = ca_.issueNode("n1", o);
  EXPECT_EQ(files.certPath, dir_ + "/issued/server-only.crt");
  EXPECT_EQ(readCertificate(files.certPath).extendedKeyUsage, Strings{"serverAuth"});
  EXPECT_NE(verify(files.certPath, {"-purpose", "sslclient"}).exitCode, 0);
}

TEST_F(CaIssue, NotBeforeAndNotAfterAreHonouredForExpiredCertificates) {
  IssueOptions o;
  o.notBefore = now() - 10 * 86400;
  o.notAfter = now() - 86400;
  auto files = ca_.issueNode("old", o);
  auto info = readCertificate(files.certPath);
  EXPECT_EQ(info.notBefore, *o.notBefore);
  EXPECT_EQ(info.notAfter, *o.notAfter);
  auto r = verify(files.certPath);
  EXPECT_NE(r.exitCode, 0);
  EXPECT_TRUE(contains(r.out + r.err, "certificate has expired")) << r.out << r.err;
}

TEST_F(CaIssue, NotBeforeInTheFutureGivesANotYetValidCertificate) {
  IssueOptions o;
  o.notBefore = now() + 86400;
  auto files = ca_.issueNode("future", o);
  auto info = readCertificate(files.certPath);
  EXPECT_EQ(info.notBefore, *o.notBefore);
  EXPECT_EQ(info.notAfter, *o.notBefore + 90 * 86400);
  auto r = verify(files.certPath);
  EXPECT_TRUE(contains(r.out + r.err, "certificate is not yet valid")) << r.out << r.err;
}

TEST_F(CaIssue, DaysOptionSetsTheLifetime) {
  IssueOptions o;
  o.days = 7;
  auto info = readCertificate(ca_.issueNode("n1", o).certPath);
  EXPECT_EQ(info.notAfter - info.notBefore, 7 * 86400 + 300);
}

TEST_F(CaIssue, SerialsAreRandom128BitHex) {
  std::set<std::string> serials;
  for (int i = 0; i < 5; ++i) {
    IssueOptions o;
    o.fileStem = "s" + std::to_string(i);
    auto serial = readCertificate(ca_.issueNode("n1", o).certPath).serialHex;
    EXPECT_EQ(serial.size(), 32u) << serial;
    serials.insert(serial);
  }
  EXPECT_EQ(serials.size(), 5u);
}

TEST_F(CaIssue, IssuingAgainReplacesTheFilesWithANewKey) {
  auto first = ca_.issueNode("n1");
  std::string oldKey = readFile(first.keyPath);
  std::string oldSerial = readCertificate(first.certPath).serialHex;
  auto second = ca_.issueNode("n1");
  EXPECT_NE(readFile(second.keyPath), oldKey);
  EXPECT_NE(readCertificate(second.certPath).serialHex, oldSerial);
}

TEST_F(CaIssue, RefusesBadNamesAddressesUsagesAndDates) {
  expectCaError([&] { ca_.issueNode("../etc"); }, "invalid node name '../etc'");
  expectCaError([&] { ca_.issueNode("n1.mesh"); }, "without '.mesh' ('n1')");
  expectCaError([&] { ca_.issueNode("n1", withSans({"10.0.0.300"})); },
                "invalid IP address '10.0.0.300'");
  expectCaError([&] { ca_.issueNode("n1", withSans({}, {"a,DNS:evil"})); },
                "invalid DNS name 'a,DNS:evil'");
  expectCaError([&] { ca_.issueAgent("bad agent", "n1"); }, "invalid agent id 'bad agent'");
  IssueOptions eku;
  eku.extendedKeyUsage = {"frobnicate"};
  expectCaError([&] { ca_.issueNode("n1", eku); }, "unknown extended key usage 'frobnicate'");
  IssueOptions days;
  days.days = 0;
  expectCaError([&] { ca_.issueNode("n1", days); }, "at least 1 day");
  IssueOptions backwards;
  backwards.notBefore = now();
  backwards.notAfter = now() - 1;
  expectCaError([&] { ca_.issueNode("n1", backwards); }, "must end after it starts");
  IssueOptions stem;
  stem.fileStem = "../x";
  expectCaError([&] { ca_.issueNode("n1", stem); }, "invalid certificate file name '../x'");
}
