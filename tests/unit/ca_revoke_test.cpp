// Revocation and the CRL: a revoked serial is listed in crl.pem, signed by the intermediate,
// rejected by OpenSSL's CRL check, and kept in every later CRL.
#include "TestSupport.hpp"

#include "ca/CertificateAuthority.hpp"

#include <openssl/pem.h>
#include <openssl/x509.h>

#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

using namespace rivet::ca;
using rivet::test::contains;
using rivet::test::readFile;
using rivet::test::run;
using rivet::test::RunResult;
using rivet::test::TempDir;

namespace {

// nextUpdate - lastUpdate of a PEM CRL, in whole days.
int crlLifetimeDays(const std::string& path) {
  std::string pem = readFile(path);
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  X509_CRL* crl = PEM_read_bio_X509_CRL(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  int days = -1, seconds = -1;
  if (crl)
    ASN1_TIME_diff(&days, &seconds, X509_CRL_get0_lastUpdate(crl), X509_CRL_get0_nextUpdate(crl));
  X509_CRL_free(crl);
  return seconds == 0 ? days : -1;
}

class CaRevoke : public ::testing::Test {
protected:
  std::string crlText() {
    auto r = run({"/usr/bin/openssl", "crl", "-in", dir_ + "/crl.pem", "-noout", "-text"});
    EXPECT_EQ(r.exitCode, 0) << r.err;
    return r.out;
  }

  // Full chain check with the CRL, trusting the root only.
  RunResult verifyWithCrl(const std::string& cert) {
    return run({"/usr/bin/openssl", "verify", "-CAfile", root_ + "/ca.crt", "-untrusted",
                dir_ + "/intermediate/intermediate.crt", "-crl_check", "-CRLfile",
                dir_ + "/crl.pem", cert});
  }

  std::string serialOf(const std::string& cert) { return readCertificate(cert).serialHex; }

  TempDir tmp_;
  std::string dir_ = tmp_.file("ca");
  std::string root_ = tmp_.file("root");
  CertificateAuthority ca_ = CertificateAuthority::init(dir_, root_);
};

} // namespace

TEST_F(CaRevoke, RevokedSerialIsListedInTheCrl) {
  auto bad = ca_.issueNode("bad");
  auto good = ca_.issueNode("good");
  ca_.revoke("bad");
  std::string text = crlText();
  EXPECT_TRUE(contains(text, "Serial Number: " + serialOf(bad.certPath))) << text;
  EXPECT_FALSE(contains(text, serialOf(good.certPath))) << text;
}

TEST_F(CaRevoke, CrlCheckRejectsTheRevokedCertificateOnly) {
  auto bad = ca_.issueNode("bad");
  auto good = ca_.issueNode("good");
  ca_.revoke("bad");
  auto rejected = verifyWithCrl(bad.certPath);
  EXPECT_NE(rejected.exitCode, 0);
  EXPECT_TRUE(contains(rejected.out + rejected.err, "certificate revoked"))
      << rejected.out << rejected.err;
  auto accepted = verifyWithCrl(good.certPath);
  EXPECT_EQ(accepted.exitCode, 0) << accepted.out << accepted.err;
}

TEST_F(CaRevoke, AgentCertificatesAreRevokedByAgentAtNode) {
  auto agent = ca_.issueAgent("opus", "ct201");
  ca_.revoke("opus@ct201");
  EXPECT_TRUE(contains(crlText(), serialOf(agent.certPath)));
}

TEST_F(CaRevoke, RevokedSerialsStayInEveryLaterCrl) {
  auto first = ca_.issueNode("first");
  ca_.revoke("first");
  auto second = ca_.issueNode("second");
  ca_.revoke("second");
  ca_.writeCrl();
  auto reopened = CertificateAuthority::open(dir_, root_);
  reopened.writeCrl();
  std::string text = crlText();
  EXPECT_TRUE(contains(text, serialOf(first.certPath))) << text;
  EXPECT_TRUE(contains(text, serialOf(second.certPath))) << text;
}

TEST_F(CaRevoke, RevokingANameRevokesEveryCertificateIssuedUnderIt) {
  auto old = ca_.issueNode("n1");
  std::string oldSerial = serialOf(old.certPath);
  auto renewed = ca_.issueNode("n1");
  ca_.revoke("n1");
  std::string text = crlText();
  EXPECT_TRUE(contains(text, oldSerial)) << text;
  EXPECT_TRUE(contains(text, serialOf(renewed.certPath))) << text;
}

TEST_F(CaRevoke, RevokingTwiceIsHarmless) {
  auto bad = ca_.issueNode("bad");
  ca_.revoke("bad");
  EXPECT_NO_THROW(ca_.revoke("bad"));
  std::string text = crlText();
  std::string serial = "Serial Number: " + serialOf(bad.certPath);
  EXPECT_EQ(text.find(serial), text.rfind(serial)) << text;
}

TEST_F(CaRevoke, UnknownNameIsAnErrorThatSaysWhatToGive) {
  try {
    ca_.revoke("ghost");
    FAIL() << "revoking an unknown name succeeded";
  } catch (const CaError& e) {
    EXPECT_TRUE(contains(e.what(), "no certificate named 'ghost'")) << e.what();
    EXPECT_TRUE(contains(e.what(), "agent@node")) << e.what();
  }
}

TEST_F(CaRevoke, CrlIsSignedByTheIntermediateValidFor30DaysAndNumbered) {
  std::string path = ca_.writeCrl();
  EXPECT_EQ(path, dir_ + "/crl.pem");
  auto r = run({"/usr/bin/openssl", "crl", "-in", path, "-noout", "-CAfile",
                dir_ + "/intermediate/ca-chain.pem"});
  EXPECT_TRUE(contains(r.out + r.err, "verify OK")) << r.out << r.err;
  std::string text = crlText();
  EXPECT_TRUE(contains(text, "X509v3 CRL Number: \n                2")) << text; // init wrote 1
  EXPECT_TRUE(contains(text, "X509v3 Authority Key Identifier")) << text;
  EXPECT_EQ(crlLifetimeDays(path), 30);
}

TEST_F(CaRevoke, IndexRecordsEachIssuedNameWithItsSerial) {
  auto files = ca_.issueNode("n1");
  std::string index = readFile(dir_ + "/index.json");
  EXPECT_TRUE(contains(index, "\"name\": \"n1\"")) << index;
  EXPECT_TRUE(contains(index, serialOf(files.certPath))) << index;
}

TEST_F(CaRevoke, ConcurrentIssuesFromThreadsAreAllRecordedAndRevocable) {
  std::vector<std::thread> threads;
  for (int i = 0; i < 6; ++i)
    threads.emplace_back([this, i] { ca_.issueNode("t" + std::to_string(i)); });
  for (auto& t : threads)
    t.join();
  for (int i = 0; i < 6; ++i)
    EXPECT_NO_THROW(ca_.revoke("t" + std::to_string(i))) << i;
  std::string text = crlText();
  for (int i = 0; i < 6; ++i)
    EXPECT_TRUE(contains(text, serialOf(dir_ + "/issued/t" + std::to_string(i) + ".crt"))) << i;
}
