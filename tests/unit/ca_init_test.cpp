// `CertificateAuthority::init` and `open`: the RivetOS file layout, a chain that verifies from
// the root alone, refusal to overwrite an existing CA, and helpful errors for a missing one.
#include "TestSupport.hpp"

#include "ca/CertificateAuthority.hpp"

#include <filesystem>
#include <sys/stat.h>

#include <gtest/gtest.h>

using namespace rivet::ca;
using rivet::test::contains;
using rivet::test::readFile;
using rivet::test::run;
using rivet::test::TempDir;

namespace {

unsigned modeOf(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return st.st_mode & 07777;
}

size_t countOf(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (auto pos = text.find(needle); pos != std::string::npos; pos = text.find(needle, pos + 1))
    ++n;
  return n;
}

class CaInit : public ::testing::Test {
protected:
  TempDir tmp_;
  std::string dir_ = tmp_.file("shared/rivet-ca");
  std::string root_ = tmp_.file("root");
};

} // namespace

TEST_F(CaInit, WritesRootIntermediateChainAndCrlInTheRivetOsLayout) {
  auto ca = CertificateAuthority::init(dir_, root_);
  for (const auto& path :
       {root_ + "/ca.key", root_ + "/ca.crt", dir_ + "/intermediate/intermediate.crt",
        dir_ + "/intermediate/private/intermediate.key", dir_ + "/intermediate/ca-chain.pem",
        dir_ + "/intermediate/chain.pem", dir_ + "/crl.pem", dir_ + "/index.json"}) {
    EXPECT_FALSE(readFile(path).empty()) << path;
  }
  EXPECT_EQ(ca.chainPath(), dir_ + "/intermediate/ca-chain.pem");
  EXPECT_EQ(readFile(dir_ + "/intermediate/chain.pem"), readFile(ca.chainPath()));
}

TEST_F(CaInit, RootKeyNeverLeavesTheRootFolder) {
  CertificateAuthority::init(dir_, root_);
  auto r = run({"/usr/bin/grep", "-rl", "PRIVATE KEY", dir_});
  EXPECT_EQ(r.out, dir_ + "/intermediate/private/intermediate.key\n");
  EXPECT_EQ(readFile(dir_ + "/intermediate/ca-chain.pem").find("PRIVATE"), std::string::npos);
}

TEST_F(CaInit, KeysAreMode0600InPrivateFolders) {
  CertificateAuthority::init(dir_, root_);
  EXPECT_EQ(modeOf(root_ + "/ca.key"), 0600u);
  EXPECT_EQ(modeOf(dir_ + "/intermediate/private/intermediate.key"), 0600u);
  EXPECT_EQ(modeOf(root_), 0700u);
  EXPECT_EQ(modeOf(dir_ + "/intermediate/private"), 0700u);
  EXPECT_EQ(modeOf(dir_ + "/intermediate/ca-chain.pem"), 0644u);
}

TEST_F(CaInit, ChainIsIntermediateThenRoot) {
  auto ca = CertificateAuthority::init(dir_, root_);
  std::string chain = readFile(ca.chainPath());
  EXPECT_EQ(countOf(chain, "BEGIN CERTIFICATE"), 2u);
  EXPECT_EQ(chain, readFile(dir_ + "/intermediate/intermediate.crt") + readFile(root_ + "/ca.crt"));
}

TEST_F(CaInit, RootAndIntermediateHaveRivetNamesLifetimesAndP256Keys) {
  CertificateAuthority::init(dir_, root_);
  auto root = readCertificate(root_ + "/ca.crt");
  auto inter = readCertificate(dir_ + "/intermediate/intermediate.crt");
  EXPECT_EQ(root.subject, "O=Rivet Collective, CN=Rivet Root CA");
  EXPECT_EQ(root.issuer, root.subject);
  EXPECT_EQ(inter.subject, "O=Rivet Collective, CN=Rivet Intermediate CA");
  EXPECT_EQ(inter.issuer, root.subject);
  EXPECT_TRUE(root.isCa);
  EXPECT_TRUE(inter.isCa);
  EXPECT_EQ(root.notAfter - root.notBefore, 3650 * 86400);
  EXPECT_EQ(inter.notAfter - inter.notBefore, 1825 * 86400);
  EXPECT_EQ(root.keyType, "EC P-256");
  EXPECT_EQ(inter.keyType, "EC P-256");
}

TEST_F(CaInit, IntermediateIsLimitedToPathLengthZero) {
  CertificateAuthority::init(dir_, root_);
  auto r = run({"/usr/bin/openssl", "x509", "-in", dir_ + "/intermediate/intermediate.crt",
                "-noout", "-ext", "basicConstraints,keyUsage"});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "critical")) << r.out;
  EXPECT_TRUE(contains(r.out, "CA:TRUE, pathlen:0")) << r.out;
  EXPECT_TRUE(contains(r.out, "Certificate Sign, CRL Sign")) << r.out;
}

TEST_F(CaInit, IntermediateVerifiesAgainstTheRootStrictly) {
  CertificateAuthority::init(dir_, root_);
  auto r = run({"/usr/bin/openssl", "verify", "-x509_strict", "-CAfile", root_ + "/ca.crt",
                dir_ + "/intermediate/intermediate.crt"});
  EXPECT_EQ(r.exitCode, 0) << r.out << r.err;
  EXPECT_TRUE(contains(r.out, ": OK")) << r.out;
}

TEST_F(CaInit, RefusesToOverwriteAnExistingCaNamingTheFile) {
  CertificateAuthority::init(dir_, root_);
  std::string before = readFile(root_ + "/ca.crt");
  try {
    CertificateAuthority::init(dir_, root_);
    FAIL() << "a second init succeeded";
  } catch (const CaError& e) {
    EXPECT_TRUE(contains(e.what(), root_ + "/ca.key")) << e.what();
    EXPECT_TRUE(contains(e.what(), "never overwrites")) << e.what();
  }
  EXPECT_EQ(readFile(root_ + "/ca.crt"), before);
}

TEST_F(CaInit, RefusesWhenOnlyTheSharedPartExists) {
  CertificateAuthority::init(dir_, root_);
  try {
    CertificateAuthority::init(dir_, tmp_.file("other-root"));
    FAIL() << "init over an existing intermediate succeeded";
  } catch (const CaError& e) {
    EXPECT_TRUE(contains(e.what(), dir_ + "/intermediate/intermediate.crt")) << e.what();
  }
}

TEST_F(CaInit, OpenOnAMissingCaNamesTheFileAndSaysToRunInit) {
  try {
    CertificateAuthority::open(dir_, root_);
    FAIL() << "open succeeded without a CA";
  } catch (const CaError& e) {
    EXPECT_TRUE(contains(e.what(), dir_ + "/intermediate/intermediate.crt")) << e.what();
    EXPECT_TRUE(contains(e.what(), "rivetctl ca init")) << e.what();
  }
}

TEST_F(CaInit, OpenNeedsOnlyTheIntermediateNotTheRoot) {
  CertificateAuthority::init(dir_, root_);
  std::filesystem::remove_all(root_);
  auto ca = CertificateAuthority::open(dir_, root_);
  auto files = ca.issueNode("n1");
  EXPECT_FALSE(readFile(files.certPath).empty());
}

TEST_F(CaInit, OpenRefusesAnIntermediateKeyThatDoesNotMatch) {
  CertificateAuthority::init(dir_, root_);
  std::string key = dir_ + "/intermediate/private/intermediate.key";
  std::filesystem::copy_file(root_ + "/ca.key", key,
                             std::filesystem::copy_options::overwrite_existing);
  try {
    CertificateAuthority::open(dir_, root_);
    FAIL() << "open accepted a mismatched key";
  } catch (const CaError& e) {
    EXPECT_TRUE(contains(e.what(), key + " does not belong to")) << e.what();
  }
}

TEST_F(CaInit, EmptyCrlIsWrittenAtOnce) {
  auto ca = CertificateAuthority::init(dir_, root_);
  auto r = run({"/usr/bin/openssl", "crl", "-in", ca.crlPath(), "-noout", "-text"});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "No Revoked Certificates")) << r.out;
  EXPECT_TRUE(contains(r.out, "CN = Rivet Intermediate CA")) << r.out;
}
