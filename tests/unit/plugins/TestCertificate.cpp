// Makes the self-signed loopback certificate with OpenSSL 3's API: no openssl CLI needed.
#include "TestCertificate.hpp"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <stdexcept>

namespace rivet::test {
namespace {

void check(bool ok, const char* what) {
  if (!ok)
    throw std::runtime_error(std::string("TestCertificate: ") + what + " failed");
}

void addExtension(X509* cert, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  check(ext != nullptr, "X509V3_EXT_conf_nid");
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
}

void writePem(const std::string& path, bool key, EVP_PKEY* pkey, X509* cert) {
  std::unique_ptr<FILE, decltype(&std::fclose)> f(std::fopen(path.c_str(), "w"), &std::fclose);
  check(f != nullptr, "fopen");
  check((key ? PEM_write_PrivateKey(f.get(), pkey, nullptr, nullptr, 0, nullptr, nullptr)
             : PEM_write_X509(f.get(), cert)) == 1,
        "PEM_write");
}

} // namespace

TestCertificate::TestCertificate() {
  char tmpl[] = "/tmp/rivet-openai-test-XXXXXX";
  check(mkdtemp(tmpl) != nullptr, "mkdtemp");
  dir_ = tmpl;
  certPath_ = dir_ + "/server.crt";
  keyPath_ = dir_ + "/server.key";

  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(EVP_EC_gen("P-256"), &EVP_PKEY_free);
  check(key != nullptr, "EVP_EC_gen");
  std::unique_ptr<X509, decltype(&X509_free)> cert(X509_new(), &X509_free);
  check(cert != nullptr, "X509_new");
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 24 * 3600);
  X509_set_pubkey(cert.get(), key.get());
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("rivet openai test"), -1, -1,
                             0);
  X509_set_issuer_name(cert.get(), name);
  addExtension(cert.get(), NID_basic_constraints, "critical,CA:TRUE");
  addExtension(cert.get(), NID_key_usage, "critical,digitalSignature,keyCertSign");
  addExtension(cert.get(), NID_ext_key_usage, "serverAuth");
  addExtension(cert.get(), NID_subject_key_identifier, "hash");
  addExtension(cert.get(), NID_subject_alt_name, "IP:127.0.0.1");
  check(X509_sign(cert.get(), key.get(), EVP_sha256()) > 0, "X509_sign");

  writePem(keyPath_, true, key.get(), nullptr);
  writePem(certPath_, false, nullptr, cert.get());
}

TestCertificate::~TestCertificate() {
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

Poco::Net::Context::Ptr TestCertificate::serverContext() const {
  Poco::Net::Context::Params p;
  p.privateKeyFile = keyPath_;
  p.certificateFile = certPath_;
  p.verificationMode = Poco::Net::Context::VERIFY_NONE; // clients present no certificate
  p.loadDefaultCAs = false;
  p.cipherList = "HIGH:!aNULL:!MD5:!RC4";
  Poco::Net::Context::Ptr ctx = new Poco::Net::Context(Poco::Net::Context::TLS_SERVER_USE, p);
  ctx->requireMinimumProtocol(Poco::Net::Context::PROTO_TLSV1_2);
  return ctx;
}

} // namespace rivet::test
