// Builds and signs one X.509 v3 certificate: subject, validity, key, extensions in OpenSSL's
// config syntax ("critical,CA:FALSE"), and a random serial.
#pragma once

#include "ca/OpenSslHandles.hpp"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace rivet::ca {

class CertificateBuilder {
public:
  // `subject` in order, most significant first: {{"O", "Rivet Collective"}, {"CN", "n1"}}.
  CertificateBuilder(const std::vector<std::pair<std::string, std::string>>& subject,
                     EVP_PKEY* publicKey, int64_t notBefore, int64_t notAfter);

  // Adds an extension by NID with an OpenSSL config value, e.g. (NID_key_usage,
  // "critical,digitalSignature"). Applied in the order added, when signing.
  CertificateBuilder& extension(int nid, const std::string& value);

  // Signs with `issuerKey`. `issuer` is the issuing CA's certificate, or nullptr for a
  // self-signed certificate. The builder is spent afterwards.
  X509Ptr sign(X509* issuer, EVP_PKEY* issuerKey);

private:
  X509Ptr cert_;
  std::vector<std::pair<int, std::string>> extensions_;
};

} // namespace rivet::ca
