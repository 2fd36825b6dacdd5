// PEM text for keys, certificates and CRLs, and fresh key pairs: the only place where the CA
// turns OpenSSL objects into bytes and back.
#pragma once

#include "ca/OpenSslHandles.hpp"

#include <string>
#include <vector>

namespace rivet::ca {

// ECDSA P-256, or RSA-2048 when `rsa` is true.
KeyPtr generateKey(bool rsa);

// Unencrypted PKCS#8 ("BEGIN PRIVATE KEY"), as RivetOS's tool writes and Poco/Node read.
std::string privateKeyToPem(EVP_PKEY* key);
std::string certificateToPem(X509* cert);
std::string crlToPem(X509_CRL* crl);

// Parse PEM text; `source` names where it came from for the CaError message.
KeyPtr privateKeyFromPem(const std::string& pem, const std::string& source);
X509Ptr certificateFromPem(const std::string& pem, const std::string& source);

// "EC P-256", "RSA 2048", ...: for `rivetctl ca show` and the tests.
std::string describeKey(EVP_PKEY* key);

} // namespace rivet::ca
