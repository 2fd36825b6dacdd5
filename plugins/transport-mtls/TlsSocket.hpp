// One TLS connection over a non-blocking socket, with deadlines on every operation and the
// reason of a failed handshake (certificate verification or TLS alert) kept in plain words.
#pragma once

#include "Deadline.hpp"

#include <openssl/ssl.h>
#include <string>

namespace rivet::mtls {

enum class IoStatus { Ok, Timeout, Closed, Error };

// One step of non-blocking TLS for an event loop: done, or wait for the socket to become
// readable or writable and call again, or the connection is over (error() says why).
enum class TlsStep { Done, WantRead, WantWrite, Closed, Failed };

class TlsSocket {
public:
  // `fd` is a connected socket; it is not owned. On a non-blocking socket every operation
  // waits with poll() until its deadline. On a blocking socket (the server's connections: one
  // syscall per read instead of three) the socket's SO_RCVTIMEO/SO_SNDTIMEO bound each wait and
  // a deadline is checked between reads.
  TlsSocket(SSL_CTX* ctx, int fd);
  // The same when the caller knows whether `fd` blocks (saves the fcntl() asking it).
  TlsSocket(SSL_CTX* ctx, int fd, bool blocking);
  ~TlsSocket();
  TlsSocket(const TlsSocket&) = delete;
  TlsSocket& operator=(const TlsSocket&) = delete;

  // Client side: SNI and the name the server certificate must be valid for (DNS name or IP).
  void expectPeerName(const std::string& name);
  void useSession(SSL_SESSION* session);

  IoStatus accept(const Deadline& d);
  IoStatus connect(const Deadline& d);
  // Reads at most `n` bytes into `buf`; `got` receives the count when Ok.
  IoStatus read(char* buf, size_t n, size_t& got, const Deadline& d);
  IoStatus writeAll(const char* data, size_t n, const Deadline& d);
  // Event-loop steps on a non-blocking socket: no waiting, the caller waits for the socket.
  TlsStep acceptStep() { return handshakeStep(true); }
  TlsStep connectStep() { return handshakeStep(false); }
  TlsStep readStep(char* buf, size_t n, size_t& got);
  TlsStep writeStep(const char* data, size_t n, size_t& wrote);
  // Frees the record buffers now (OpenSSL keeps the read buffer of an SSL_read that found
  // nothing); a no-op when they hold data.
  void freeBuffers() { SSL_free_buffers(ssl_); }
  // True when the peer has closed or sent unexpected bytes (a pooled connection gone bad).
  bool peerClosedOrBusy() const;
  // The reason of the last failure, e.g. "certificate has expired", "peer did not return a
  // certificate", "connection reset by peer".
  const std::string& error() const { return error_; }
  // True when the last failure was a TLS alert or verification error (not plain I/O).
  bool tlsFailure() const { return tlsFailure_; }
  // True when the last failure was a TLS alert the peer sent (it refused us).
  bool peerAlert() const { return peerAlert_; }
  SSL* ssl() const { return ssl_; }
  int fd() const { return fd_; }

  // Installs the verify callback that records reasons; call once per SSL_CTX.
  static void installVerifyCallback(SSL_CTX* ctx);

private:
  IoStatus handshake(bool server, const Deadline& d);
  IoStatus wait(int sslResult, const Deadline& d, const char* what);
  void recordFailure(int sslError, const char* what);
  TlsStep stepResult(int sslResult, const char* what);
  TlsStep handshakeStep(bool server);

  SSL* ssl_;
  int fd_;
  bool blocking_;
  std::string verifyError_; // written by the verify callback during the handshake
  std::string error_;
  bool tlsFailure_ = false;
  bool peerAlert_ = false;
};

} // namespace rivet::mtls
