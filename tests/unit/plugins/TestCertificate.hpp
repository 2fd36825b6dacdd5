// A throw-away self-signed certificate for 127.0.0.1 (EC P-256, SAN IP:127.0.0.1), written to
// a fresh folder under /tmp, so tests can serve HTTPS and trust exactly that certificate.
#pragma once

#include <Poco/Net/Context.h>

#include <string>

namespace rivet::test {

class TestCertificate {
public:
  TestCertificate();  // throws std::runtime_error when OpenSSL fails
  ~TestCertificate(); // removes the folder
  TestCertificate(const TestCertificate&) = delete;
  TestCertificate& operator=(const TestCertificate&) = delete;

  const std::string& certPath() const { return certPath_; } // also the CA bundle to trust
  const std::string& keyPath() const { return keyPath_; }
  /// A TLS_SERVER_USE context presenting this certificate.
  Poco::Net::Context::Ptr serverContext() const;

private:
  std::string dir_;
  std::string certPath_;
  std::string keyPath_;
};

} // namespace rivet::test
