// Implementation of the test TLS client: a blocking socket with SO_RCVTIMEO/SO_SNDTIMEO, OpenSSL
// on top, and the handshake or read error (alert, verify result, errno) kept in words.
#include "TestTlsClient.hpp"

#include "RawChannelClient.hpp"
#include "TestSupport.hpp"

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <stdexcept>
#include <sys/socket.h>
#include <unistd.h>

namespace rivet::test {
namespace {

std::string hex(const unsigned char* data, unsigned int len) {
  static const char digits[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned int i = 0; i < len; ++i) {
    out += digits[data[i] >> 4];
    out += digits[data[i] & 0x0f];
  }
  return out;
}

std::string fingerprintOf(X509* cert) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (!cert || X509_digest(cert, EVP_sha256(), md, &len) != 1)
    return "";
  return hex(md, len);
}

std::string lower(std::string s) {
  for (char& c : s)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string trimmed(const std::string& s) {
  size_t b = s.find_first_not_of(" \t");
  size_t e = s.find_last_not_of(" \t\r");
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

} // namespace

std::string certificateFingerprint(const std::string& pemPath) {
  FILE* f = std::fopen(pemPath.c_str(), "r");
  if (!f)
    return "";
  X509* cert = PEM_read_X509(f, nullptr, nullptr, nullptr);
  std::fclose(f);
  std::string out = fingerprintOf(cert);
  X509_free(cert);
  return out;
}

std::string HttpResponse::header(const std::string& lowerName) const {
  auto it = headers.find(lowerName);
  return it == headers.end() ? "" : it->second;
}

TestTlsClient::TestTlsClient(TlsClientOptions o) : options_(std::move(o)) {
  ctx_ = SSL_CTX_new(TLS_client_method());
  if (!ctx_)
    throw std::runtime_error("SSL_CTX_new failed");
  SSL_CTX_set_verify(ctx_, SSL_VERIFY_PEER, nullptr);
  if (!options_.caPath.empty() &&
      SSL_CTX_load_verify_locations(ctx_, options_.caPath.c_str(), nullptr) != 1)
    throw std::runtime_error("cannot load CA file " + options_.caPath);
  if (!options_.certPath.empty()) {
    if (SSL_CTX_use_certificate_chain_file(ctx_, options_.certPath.c_str()) != 1 ||
        SSL_CTX_use_PrivateKey_file(ctx_, options_.keyPath.c_str(), SSL_FILETYPE_PEM) != 1)
      throw std::runtime_error("cannot load client certificate " + options_.certPath);
  }
  if (options_.maxProtocol != 0) {
    // Old protocols need security level 0 on OpenSSL 3 (and Debian's default config).
    SSL_CTX_set_security_level(ctx_, 0);
    SSL_CTX_set_cipher_list(ctx_, "DEFAULT@SECLEVEL=0");
    SSL_CTX_set_min_proto_version(ctx_, TLS1_VERSION);
    SSL_CTX_set_max_proto_version(ctx_, options_.maxProtocol);
  }
  ERR_clear_error();
}

TestTlsClient::~TestTlsClient() {
  close();
  SSL_CTX_free(ctx_);
}

void TestTlsClient::close() {
  if (ssl_) {
    SSL_set_quiet_shutdown(ssl_, 1);
    SSL_free(ssl_);
    ssl_ = nullptr;
  }
  if (fd_ >= 0)
    ::close(fd_);
  fd_ = -1;
  buffer_.clear();
}

void TestTlsClient::setTimeout(std::chrono::milliseconds t) {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(t.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((t.count() % 1000) * 1000);
  setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

bool TestTlsClient::tcpConnect(int port) {
  close();
  error_.clear();
  fd_ = connectTcp(options_.bindAddress, port, options_.receiveBufferBytes, error_);
  if (fd_ < 0)
    return false;
  setTimeout(options_.timeout);
  return true;
}

void TestTlsClient::recordSslError(const char* what, int rc) {
  int err = ssl_ ? SSL_get_error(ssl_, rc) : SSL_ERROR_SYSCALL;
  int savedErrno = errno;
  std::string text = std::string(what) + ": ";
  std::string queue;
  while (unsigned long e = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    queue += (queue.empty() ? "" : "; ") + std::string(buf);
  }
  if (!queue.empty())
    text += queue;
  else if (err == SSL_ERROR_ZERO_RETURN || (err == SSL_ERROR_SYSCALL && savedErrno == 0))
    text += "connection closed by peer (EOF)";
  else if (savedErrno == EAGAIN || savedErrno == EWOULDBLOCK)
    text += "timed out";
  else
    text += std::strerror(savedErrno);
  if (ssl_) {
    long verify = SSL_get_verify_result(ssl_);
    if (verify != X509_V_OK)
      text += std::string(" [verify: ") + X509_verify_cert_error_string(verify) + "]";
  }
  error_ = text;
}

bool TestTlsClient::connect(int port) {
  if (!tcpConnect(port))
    return false;
  ssl_ = SSL_new(ctx_);
  SSL_set_fd(ssl_, fd_);
  if (!options_.expectName.empty()) {
    SSL_set_tlsext_host_name(ssl_, options_.expectName.c_str());
    X509_VERIFY_PARAM_set1_host(SSL_get0_param(ssl_), options_.expectName.c_str(), 0);
  }
  ERR_clear_error();
  errno = 0;
  int rc = SSL_connect(ssl_);
  if (rc != 1) {
    recordSslError("handshake", rc);
    return false;
  }
  return true;
}

bool TestTlsClient::connectPlain(int port) {
  return tcpConnect(port);
}

std::string TestTlsClient::clientHello() const {
  // A handshake into a memory BIO stops after the first flight, waiting for the ServerHello.
  SSL* ssl = SSL_new(ctx_);
  BIO* in = BIO_new(BIO_s_mem());
  BIO* out = BIO_new(BIO_s_mem());
  SSL_set_bio(ssl, in, out);
  SSL_set_connect_state(ssl);
  if (!options_.expectName.empty())
    SSL_set_tlsext_host_name(ssl, options_.expectName.c_str());
  SSL_do_handshake(ssl);
  char* data = nullptr;
  long size = BIO_get_mem_data(out, &data);
  std::string hello(data ? data : "", size > 0 ? static_cast<size_t>(size) : 0);
  SSL_free(ssl); // frees both BIOs
  ERR_clear_error();
  return hello;
}

bool TestTlsClient::sendRaw(const std::string& bytes) {
  if (fd_ < 0) {
    error_ = "not connected";
    return false;
  }
  size_t done = 0;
  while (done < bytes.size()) {
    ERR_clear_error();
    errno = 0;
    if (ssl_) {
      size_t n = 0;
      int rc = SSL_write_ex(ssl_, bytes.data() + done, bytes.size() - done, &n);
      if (rc != 1) {
        recordSslError("write", rc);
        return false;
      }
      done += n;
    } else {
      ssize_t n = ::send(fd_, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
      if (n <= 0) {
        error_ = std::string("write: ") + std::strerror(errno);
        return false;
      }
      done += static_cast<size_t>(n);
    }
  }
  return true;
}

bool TestTlsClient::fill() {
  char buf[16384];
  ERR_clear_error();
  errno = 0;
  if (ssl_) {
    size_t n = 0;
    int rc = SSL_read_ex(ssl_, buf, sizeof buf, &n);
    if (rc != 1) {
      recordSslError("read", rc);
      return false;
    }
    buffer_.append(buf, n);
    return true;
  }
  ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
  if (n <= 0) {
    error_ = n == 0 ? "read: connection closed by peer (EOF)"
             : errno == EAGAIN || errno == EWOULDBLOCK
                 ? "read: timed out"
                 : std::string("read: ") + std::strerror(errno);
    return false;
  }
  buffer_.append(buf, static_cast<size_t>(n));
  return true;
}

bool TestTlsClient::readResponse(HttpResponse& out, bool headRequest) {
  out = HttpResponse{};
  size_t end;
  while ((end = buffer_.find("\r\n\r\n")) == std::string::npos)
    if (!fill())
      return false;
  std::string head = buffer_.substr(0, end + 2);
  buffer_.erase(0, end + 4);
  size_t eol = head.find("\r\n");
  std::string statusLine = head.substr(0, eol);
  if (statusLine.rfind("HTTP/1.", 0) != 0 || statusLine.size() < 12) {
    error_ = "malformed status line: " + statusLine;
    return false;
  }
  out.status = std::atoi(statusLine.c_str() + 9);
  for (size_t pos = eol + 2; pos < head.size();) {
    size_t next = head.find("\r\n", pos);
    std::string line = head.substr(pos, next - pos);
    pos = next + 2;
    size_t colon = line.find(':');
    if (colon != std::string::npos)
      out.headers[lower(line.substr(0, colon))] = trimmed(line.substr(colon + 1));
  }
  if (!headRequest && lower(out.header("transfer-encoding")) == "chunked" &&
      out.header("content-type").rfind("text/event-stream", 0) != 0)
    return readChunkedBody(out);
  std::string declared = out.header("content-length");
  size_t length = headRequest || declared.empty() ? 0 : std::stoull(declared);
  while (buffer_.size() < length)
    if (!fill())
      return false;
  out.body = buffer_.substr(0, length);
  buffer_.erase(0, length);
  return true;
}

bool TestTlsClient::readChunkedBody(HttpResponse& out) {
  for (;;) {
    size_t eol;
    while ((eol = buffer_.find("\r\n")) == std::string::npos)
      if (!fill())
        return false;
    size_t size = std::stoull(buffer_.substr(0, eol), nullptr, 16);
    buffer_.erase(0, eol + 2);
    while (buffer_.size() < size + 2)
      if (!fill())
        return false;
    out.body += buffer_.substr(0, size);
    buffer_.erase(0, size + 2);
    if (size == 0)
      return true; // no trailer fields from our servers
  }
}

bool TestTlsClient::readUntil(const std::string& text, std::string& out) {
  size_t at;
  while ((at = buffer_.find(text)) == std::string::npos)
    if (!fill())
      return false;
  out += buffer_.substr(0, at + text.size());
  buffer_.erase(0, at + text.size());
  return true;
}

bool TestTlsClient::request(const std::string& method, const std::string& path,
                            const std::string& body, HttpResponse& out,
                            const std::map<std::string, std::string>& headers) {
  std::string head = method + " " + path + " HTTP/1.1\r\nHost: " +
                     (options_.expectName.empty() ? "127.0.0.1" : options_.expectName) + "\r\n";
  bool framed = false;
  for (const auto& [name, value] : headers) {
    head += name + ": " + value + "\r\n";
    std::string n = lower(name);
    framed = framed || n == "content-length" || n == "transfer-encoding";
  }
  if (!framed && (!body.empty() || method == "POST"))
    head += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  head += "\r\n";
  return sendRaw(head + body) && readResponse(out, method == "HEAD");
}

bool TestTlsClient::waitForClose(std::chrono::milliseconds timeout) {
  readUntilClose(timeout);
  buffer_.clear();
  return !contains(error_, "timed out") && !error_.empty();
}

std::string TestTlsClient::readUntilClose(std::chrono::milliseconds timeout) {
  using std::chrono::milliseconds;
  auto until = std::chrono::steady_clock::now() + timeout;
  error_.clear();
  for (;;) {
    auto left = std::chrono::duration_cast<milliseconds>(until - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      error_ = "read: timed out";
      break;
    }
    setTimeout(left); // a read that yields no data (a TLS ticket) must not outlast `timeout`
    if (!fill())
      break;
  }
  setTimeout(options_.timeout);
  return buffer_;
}

std::string TestTlsClient::serverFingerprint() const {
  if (!ssl_)
    return "";
  X509* cert = SSL_get1_peer_certificate(ssl_);
  std::string out = fingerprintOf(cert);
  X509_free(cert);
  return out;
}

int TestTlsClient::localPort() const {
  return localPortOf(fd_);
}

std::string TestTlsClient::negotiatedProtocol() const {
  return ssl_ ? SSL_get_version(ssl_) : "";
}

} // namespace rivet::test
