// X.509 construction with the non-deprecated OpenSSL 3 calls; extensions go through
// X509V3_EXT_nconf_nid so SKI/AKI are computed from the real keys.
#include "ca/CertificateBuilder.hpp"

#include "ca/CaError.hpp"
#include "ca/Serial.hpp"

#include <ctime>

namespace rivet::ca {

CertificateBuilder::CertificateBuilder(
    const std::vector<std::pair<std::string, std::string>>& subject, EVP_PKEY* publicKey,
    int64_t notBefore, int64_t notAfter)
    : cert_(X509_new()) {
  check(cert_ != nullptr, "cannot allocate a certificate");
  if (notAfter <= notBefore)
    throw CaError("a certificate must end after it starts (not before " +
                  std::to_string(notBefore) + ", not after " + std::to_string(notAfter) +
                  " seconds since 1970); pick a later end or a positive number of days");
  check(X509_set_version(cert_.get(), X509_VERSION_3) == 1, "cannot set the certificate version");
  check(X509_set_serialNumber(cert_.get(), randomSerial().get()) == 1,
        "cannot set the certificate serial");
  X509_NAME* name = X509_get_subject_name(cert_.get());
  for (const auto& [field, value] : subject) {
    auto bytes = reinterpret_cast<const unsigned char*>(value.c_str());
    check(X509_NAME_add_entry_by_txt(name, field.c_str(), MBSTRING_UTF8, bytes, -1, -1, 0) == 1,
          "cannot put " + field + "=" + value + " into a certificate subject");
  }
  check(ASN1_TIME_set(X509_getm_notBefore(cert_.get()), static_cast<time_t>(notBefore)) &&
            ASN1_TIME_set(X509_getm_notAfter(cert_.get()), static_cast<time_t>(notAfter)),
        "cannot set the certificate validity");
  check(X509_set_pubkey(cert_.get(), publicKey) == 1, "cannot set the certificate key");
}

CertificateBuilder& CertificateBuilder::extension(int nid, const std::string& value) {
  extensions_.emplace_back(nid, value);
  return *this;
}

X509Ptr CertificateBuilder::sign(X509* issuer, EVP_PKEY* issuerKey) {
  X509* signer = issuer ? issuer : cert_.get();
  check(X509_set_issuer_name(cert_.get(), X509_get_subject_name(signer)) == 1,
        "cannot set the certificate issuer");
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, signer, cert_.get(), nullptr, nullptr, 0);
  for (const auto& [nid, value] : extensions_) {
    ExtensionPtr ext(X509V3_EXT_nconf_nid(nullptr, &ctx, nid, value.c_str()));
    check(ext != nullptr, std::string("cannot build extension ") + OBJ_nid2sn(nid) + " = " + value);
    check(X509_add_ext(cert_.get(), ext.get(), -1) == 1,
          std::string("cannot add extension ") + OBJ_nid2sn(nid));
  }
  check(X509_sign(cert_.get(), issuerKey, EVP_sha256()) > 0, "cannot sign the certificate");
  return std::move(cert_);
}

} // namespace rivet::ca
