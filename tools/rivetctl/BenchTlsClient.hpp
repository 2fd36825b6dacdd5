// The load generator's TLS client context: client certificate, server verification against a
// CA bundle and a name, and (for --resume) the last session each connection slot received.
#pragma once

#include "BenchOptions.hpp"

#include <openssl/ssl.h>

#include <string>

namespace rivet::ctl {

class BenchTlsClient {
public:
  // Loads the certificate, key and CA files; throws std::runtime_error naming the file and
  // OpenSSL's reason when one cannot be used.
  explicit BenchTlsClient(const BenchOptions& options);
  ~BenchTlsClient();
  BenchTlsClient(const BenchTlsClient&) = delete;
  BenchTlsClient& operator=(const BenchTlsClient&) = delete;

  // A new client SSL for one connection, with SNI set when the name is not an IP literal.
  // `slot` is where a session ticket received on it is kept (with --resume).
  SSL* newSsl(SSL_SESSION** slot) const;
  // The same, on the connected socket `fd`, ready for connectStep().
  SSL* newSsl(int fd, SSL_SESSION** slot) const;

private:
  static int onNewSession(SSL* ssl, SSL_SESSION* session);

  SSL_CTX* ctx_ = nullptr;
  std::string sni_; // empty for IP literals (SNI must not carry them)
};

// What went wrong in a failed TLS call: the verification result when the server's certificate
// was refused, otherwise OpenSSL's error queue (drained).
std::string tlsFailure(SSL* ssl, int ret, int sslError);

// One step of a non-blocking client handshake: done, waiting for the socket to be readable or
// writable, or failed (`why` says how).
enum class TlsStep { Done, WantRead, WantWrite, Failed };
TlsStep connectStep(SSL* ssl, std::string& why);

} // namespace rivet::ctl
