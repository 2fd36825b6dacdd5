// What `rivetctl ca show` and the tests read back from a certificate file: names, SANs, EKU,
// validity and serial, without any OpenSSL type in the interface.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace rivet::ca {

struct CertInfo {
  std::string subject; // "O=Rivet Collective, CN=n1"
  std::string issuer;
  std::string commonName;
  std::vector<std::string> dnsNames;
  std::vector<std::string> ips;
  std::vector<std::string> extendedKeyUsage; // short names: serverAuth, clientAuth, ...
  int64_t notBefore = 0;                     // epoch seconds
  int64_t notAfter = 0;
  std::string serialHex; // upper-case hex, as `openssl x509 -serial` prints it
  bool isCa = false;
  std::string keyType; // "EC P-256", "RSA 2048"
};

// Reads the first certificate of a PEM file. CaError naming the file if it cannot.
CertInfo readCertificate(const std::string& pemPath);
// The first certificate of PEM text read from `source` (named in the CaError).
CertInfo parseCertificate(const std::string& pem, const std::string& source);

} // namespace rivet::ca
