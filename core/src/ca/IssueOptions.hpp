// What a caller may vary when the CA issues a leaf certificate, and the files it wrote.
// Defaults give a mesh node certificate; tests vary them to make unusual certificates.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace rivet::ca {

struct IssueOptions {
  std::vector<std::string> ips;      // extra IP SANs (IPv4 or IPv6)
  std::vector<std::string> dnsNames; // extra DNS SANs
  int days = 90;                     // validity when notAfter is not given
  bool rsa = false;                  // RSA-2048 instead of ECDSA P-256
  // OpenSSL short names or dotted OIDs; empty: no EKU extension. For issueAgent the default
  // pair means "clientAuth only".
  std::vector<std::string> extendedKeyUsage = {"serverAuth", "clientAuth"};
  // Epoch seconds. notBefore defaults to five minutes ago (tolerates clock skew between nodes);
  // notAfter defaults to notBefore-or-now + days.
  std::optional<int64_t> notBefore, notAfter;
  std::string fileStem; // default: the CN (files issued/<stem>.crt and .key)
};

struct IssuedFiles {
  std::string certPath;
  std::string keyPath;
};

} // namespace rivet::ca
