// X509_CRL assembly with OpenSSL 3's non-deprecated setters (set1_lastUpdate/nextUpdate).
// Entries are sorted by serial, as OpenSSL's own `openssl ca -gencrl` does.
#include "ca/CrlBuilder.hpp"

#include "ca/Serial.hpp"

#include <ctime>

namespace rivet::ca {
namespace {

Asn1TimePtr asn1Time(int64_t when) {
  Asn1TimePtr t(ASN1_TIME_set(nullptr, static_cast<time_t>(when)));
  check(t != nullptr, "cannot encode a time for the CRL");
  return t;
}

void addRevoked(X509_CRL* crl, const IndexEntry& entry, const std::string& source) {
  RevokedPtr rev(X509_REVOKED_new());
  check(rev != nullptr, "cannot allocate a CRL entry");
  check(X509_REVOKED_set_serialNumber(rev.get(), serialFromHex(entry.serialHex, source).get()) ==
                1 &&
            X509_REVOKED_set_revocationDate(rev.get(), asn1Time(*entry.revokedAt).get()) == 1,
        "cannot fill the CRL entry for serial " + entry.serialHex);
  check(X509_CRL_add0_revoked(crl, rev.get()) == 1,
        "cannot add serial " + entry.serialHex + " to the CRL");
  rev.release(); // owned by the CRL now
}

} // namespace

CrlPtr buildCrl(X509* issuer, EVP_PKEY* issuerKey, const std::vector<IndexEntry>& revoked,
                int64_t crlNumber, int64_t now) {
  CrlPtr crl(X509_CRL_new());
  check(crl != nullptr, "cannot allocate a CRL");
  check(X509_CRL_set_version(crl.get(), X509_CRL_VERSION_2) == 1 &&
            X509_CRL_set_issuer_name(crl.get(), X509_get_subject_name(issuer)) == 1 &&
            X509_CRL_set1_lastUpdate(crl.get(), asn1Time(now).get()) == 1 &&
            X509_CRL_set1_nextUpdate(crl.get(),
                                     asn1Time(now + int64_t{kCrlValidityDays} * 86400).get()) == 1,
        "cannot set the CRL header");
  for (const auto& entry : revoked)
    addRevoked(crl.get(), entry, "the CA index");
  check(X509_CRL_sort(crl.get()) == 1, "cannot sort the CRL");

  Asn1IntegerPtr number(ASN1_INTEGER_new());
  check(number && ASN1_INTEGER_set_int64(number.get(), crlNumber) == 1 &&
            X509_CRL_add1_ext_i2d(crl.get(), NID_crl_number, number.get(), 0, 0) == 1,
        "cannot add the CRL number");
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer, nullptr, nullptr, crl.get(), 0);
  ExtensionPtr aki(
      X509V3_EXT_nconf_nid(nullptr, &ctx, NID_authority_key_identifier, "keyid:always"));
  check(aki && X509_CRL_add_ext(crl.get(), aki.get(), -1) == 1,
        "cannot add the CRL's authority key identifier");
  check(X509_CRL_sign(crl.get(), issuerKey, EVP_sha256()) > 0, "cannot sign the CRL");
  return crl;
}

} // namespace rivet::ca
