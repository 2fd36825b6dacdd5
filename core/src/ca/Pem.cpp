// Key generation and PEM encoding with OpenSSL 3's EVP and PEM APIs (no deprecated
// RSA_*/EC_KEY_* calls).
#include "ca/Pem.hpp"

#include "ca/CaError.hpp"

#include <openssl/core_names.h>
#include <openssl/pem.h>
#include <openssl/rsa.h> // EVP_RSA_gen

namespace rivet::ca {
namespace {

std::string bioText(BIO* bio) {
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<size_t>(n));
}

BioPtr memoryBio() {
  BioPtr bio(BIO_new(BIO_s_mem()));
  check(bio != nullptr, "cannot allocate an OpenSSL memory buffer");
  return bio;
}

BioPtr readOnlyBio(const std::string& text) {
  BioPtr bio(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
  check(bio != nullptr, "cannot allocate an OpenSSL memory buffer");
  return bio;
}

} // namespace

KeyPtr generateKey(bool rsa) {
  KeyPtr key(rsa ? EVP_RSA_gen(2048) : EVP_EC_gen("P-256"));
  check(key != nullptr, rsa ? "cannot generate an RSA-2048 key" : "cannot generate a P-256 key");
  return key;
}

std::string privateKeyToPem(EVP_PKEY* key) {
  BioPtr bio = memoryBio();
  check(PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) == 1,
        "cannot encode a private key as PEM");
  return bioText(bio.get());
}

std::string certificateToPem(X509* cert) {
  BioPtr bio = memoryBio();
  check(PEM_write_bio_X509(bio.get(), cert) == 1, "cannot encode a certificate as PEM");
  return bioText(bio.get());
}

std::string crlToPem(X509_CRL* crl) {
  BioPtr bio = memoryBio();
  check(PEM_write_bio_X509_CRL(bio.get(), crl) == 1, "cannot encode a CRL as PEM");
  return bioText(bio.get());
}

KeyPtr privateKeyFromPem(const std::string& pem, const std::string& source) {
  BioPtr bio = readOnlyBio(pem);
  KeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  check(key != nullptr, source + " does not hold a PEM private key (an encrypted key is not "
                                 "supported; restore the file from the CA's backup)");
  return key;
}

X509Ptr certificateFromPem(const std::string& pem, const std::string& source) {
  BioPtr bio = readOnlyBio(pem);
  X509Ptr cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  check(cert != nullptr, source + " does not hold a PEM certificate (expected a file starting "
                                  "with -----BEGIN CERTIFICATE-----)");
  return cert;
}

std::string describeKey(EVP_PKEY* key) {
  int bits = EVP_PKEY_get_bits(key);
  if (EVP_PKEY_get_base_id(key) == EVP_PKEY_EC) {
    char group[64] = {0};
    size_t len = 0;
    if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group,
                                       &len) == 1) {
      std::string name(group, len);
      return "EC " + std::string(name == "prime256v1" ? "P-256" : name);
    }
    return "EC " + std::to_string(bits);
  }
  if (EVP_PKEY_get_base_id(key) == EVP_PKEY_RSA)
    return "RSA " + std::to_string(bits);
  return std::string(OBJ_nid2sn(EVP_PKEY_get_base_id(key))) + " " + std::to_string(bits);
}

} // namespace rivet::ca
