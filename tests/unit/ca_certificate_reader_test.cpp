// `readCertificate` on bundles and on files that are not usable certificates: each error names
// the file and the reason.
#include "TestSupport.hpp"

#include "ca/CertificateAuthority.hpp"

#include <gtest/gtest.h>

using namespace rivet::ca;
using rivet::test::contains;
using rivet::test::TempDir;
using rivet::test::writeFile;

namespace {

std::string errorOf(const std::string& path) {
  try {
    readCertificate(path);
  } catch (const CaError& e) {
    return e.what();
  }
  return "no error";
}

} // namespace

TEST(CertificateReader, MissingFileIsNamed) {
  TempDir tmp;
  std::string e = errorOf(tmp.file("none.crt"));
  EXPECT_TRUE(contains(e, "certificate " + tmp.file("none.crt") + " is not readable")) << e;
}

TEST(CertificateReader, FileWithoutACertificateIsNamed) {
  TempDir tmp;
  writeFile(tmp.file("junk.crt"), "not a certificate\n");
  std::string e = errorOf(tmp.file("junk.crt"));
  EXPECT_TRUE(contains(e, tmp.file("junk.crt") + " does not hold a PEM certificate")) << e;
}

TEST(CertificateReader, ReadsTheFirstCertificateOfABundle) {
  TempDir tmp;
  auto ca = CertificateAuthority::init(tmp.file("ca"), tmp.file("root"));
  auto info = readCertificate(ca.chainPath());
  EXPECT_EQ(info.commonName, "Rivet Intermediate CA");
  EXPECT_TRUE(info.isCa);
  EXPECT_TRUE(info.extendedKeyUsage.empty());
}
