// A small blocking OpenSSL client for tests: optional client certificate, a trusted CA file, an
// expected server name, a protocol cap; raw bytes or HTTP/1.1 keep-alive, errors kept in words.
#pragma once

#include <chrono>
#include <map>
#include <string>

typedef struct ssl_ctx_st SSL_CTX;
typedef struct ssl_st SSL;

namespace rivet::test {

// The SHA-256 fingerprint (hex) of the first certificate in a PEM file.
std::string certificateFingerprint(const std::string& pemPath);

struct TlsClientOptions {
  std::string certPath, keyPath;           // empty: no client certificate
  std::string caPath;                      // trusted certificates (verification is always on)
  std::string expectName;                  // non-empty: SNI and the name the server must prove
  int maxProtocol = 0;                     // e.g. TLS1_1_VERSION; 0: library default
  std::chrono::milliseconds timeout{5000}; // per read or write
  std::string bindAddress;                 // non-empty: the source address, e.g. 127.0.0.2
  int receiveBufferBytes = 0;              // non-zero: SO_RCVBUF, set before connect
};

struct HttpResponse {
  int status = 0;
  std::map<std::string, std::string> headers; // names lower-cased
  std::string body;
  std::string header(const std::string& lowerName) const;
};

// One connection to 127.0.0.1:<port>; reconnecting closes the previous one. Not thread-safe.
class TestTlsClient {
public:
  explicit TestTlsClient(TlsClientOptions o);
  ~TestTlsClient();
  TestTlsClient(const TestTlsClient&) = delete;
  TestTlsClient& operator=(const TestTlsClient&) = delete;

  // TCP connect to 127.0.0.1:port and the TLS handshake; false with error() on failure.
  bool connect(int port);
  // TCP connect only (for raw bytes that are not TLS).
  bool connectPlain(int port);
  // The ClientHello this client would send first (no socket needed), for sending it partly or a
  // byte at a time after connectPlain.
  std::string clientHello() const;
  // Writes bytes over TLS (or plain TCP after connectPlain); false with error() on failure.
  bool sendRaw(const std::string& bytes);
  // Sends one HTTP/1.1 request (Host, Content-Length unless `headers` frame the body) and reads
  // the response.
  bool request(const std::string& method, const std::string& path, const std::string& body,
               HttpResponse& out, const std::map<std::string, std::string>& headers = {});
  bool get(const std::string& path, HttpResponse& out) { return request("GET", path, "", out); }
  // Reads one response (Content-Length framed, or chunked unless it is text/event-stream, which
  // is left to readUntil; no body after HEAD, as HTTP says); false with error() on failure or
  // close.
  bool readResponse(HttpResponse& out, bool headRequest = false);
  // Reads raw bytes (a streamed answer) until what arrived contains `text`; true then, with
  // everything up to and including it moved into `out` (appended).
  bool readUntil(const std::string& text, std::string& out);
  // Waits up to `timeout` for the peer to close, discarding what arrives; true when it did
  // (EOF, reset or a TLS alert, kept in error()).
  bool waitForClose(std::chrono::milliseconds timeout);
  // Reads whatever arrives until close or timeout (plain or TLS); error() says how it ended.
  std::string readUntilClose(std::chrono::milliseconds timeout);

  const std::string& error() const { return error_; }
  // SHA-256 fingerprint (hex) of the certificate the server presented.
  std::string serverFingerprint() const;
  std::string negotiatedProtocol() const;
  // The client's own port, as the server logs it ("from 127.0.0.1:<port>").
  int localPort() const;
  void close();

private:
  bool tcpConnect(int port);
  bool readChunkedBody(HttpResponse& out);
  void setTimeout(std::chrono::milliseconds t);
  void recordSslError(const char* what, int rc);
  bool fill();

  TlsClientOptions options_;
  SSL_CTX* ctx_ = nullptr;
  SSL* ssl_ = nullptr;
  int fd_ = -1;
  std::string buffer_;
  std::string error_;
};

} // namespace rivet::test
