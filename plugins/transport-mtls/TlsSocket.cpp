// Non-blocking TLS I/O with poll() deadlines, and failure reasons a person can act on.
#include "TlsSocket.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <mutex>
#include <openssl/err.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <sys/socket.h>

namespace rivet::mtls {
namespace {

int verifyIndex() {
  static int index = SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
  return index;
}

// Keeps OpenSSL's verdict, remembers why a certificate was refused.
int verifyCallback(int ok, X509_STORE_CTX* store) {
  if (ok)
    return ok;
  auto* ssl =
      static_cast<SSL*>(X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx()));
  auto* reason = ssl ? static_cast<std::string*>(SSL_get_ex_data(ssl, verifyIndex())) : nullptr;
  if (reason && reason->empty()) {
    int err = X509_STORE_CTX_get_error(store);
    std::string text = X509_verify_cert_error_string(err);
    switch (err) {
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
      text = "unknown ca (" + text + "): the certificate was not issued by this mesh's CA";
      break;
    case X509_V_ERR_INVALID_PURPOSE:
      text += " (its extended key usage does not allow this TLS role)";
      break;
    case X509_V_ERR_HOSTNAME_MISMATCH:
    case X509_V_ERR_IP_ADDRESS_MISMATCH:
      text = "name mismatch: the certificate is not valid for the expected name";
      break;
    default:
      break;
    }
    if (X509* cert = X509_STORE_CTX_get_current_cert(store)) {
      char subject[256];
      X509_NAME_oneline(X509_get_subject_name(cert), subject, sizeof subject);
      text += std::string(" [") + subject + "]";
    }
    *reason = text;
  }
  return ok;
}

std::string errnoText(int e) {
  return e ? std::strerror(e) : "connection closed by peer";
}

} // namespace

void TlsSocket::installVerifyCallback(SSL_CTX* ctx) {
  SSL_CTX_set_verify(ctx, SSL_CTX_get_verify_mode(ctx), &verifyCallback);
}

TlsSocket::TlsSocket(SSL_CTX* ctx, int fd)
    : TlsSocket(ctx, fd, (fcntl(fd, F_GETFL) & O_NONBLOCK) == 0) {}

TlsSocket::TlsSocket(SSL_CTX* ctx, int fd, bool blocking)
    : ssl_(SSL_new(ctx)), fd_(fd), blocking_(blocking) {
  if (!ssl_)
    throw std::runtime_error("cannot create a TLS connection object (out of memory?)");
  SSL_set_fd(ssl_, fd);
  SSL_set_ex_data(ssl_, verifyIndex(), &verifyError_);
  SSL_set_mode(ssl_, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  // One read() per arrival instead of one for each record header and one for its body.
  SSL_set_read_ahead(ssl_, 1);
}

TlsSocket::~TlsSocket() {
  if (ssl_) {
    SSL_set_quiet_shutdown(ssl_, 1);
    SSL_shutdown(ssl_);
    SSL_free(ssl_);
    ERR_clear_error(); // the thread's other connections rely on an empty queue (readStep)
  }
}

void TlsSocket::expectPeerName(const std::string& name) {
  SSL_set_tlsext_host_name(ssl_, name.c_str());
  X509_VERIFY_PARAM* param = SSL_get0_param(ssl_);
  X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
  if (X509_VERIFY_PARAM_set1_ip_asc(param, name.c_str()) != 1)
    SSL_set1_host(ssl_, name.c_str());
}

void TlsSocket::useSession(SSL_SESSION* session) {
  SSL_set_session(ssl_, session);
}

IoStatus TlsSocket::accept(const Deadline& d) {
  return handshake(true, d);
}
IoStatus TlsSocket::connect(const Deadline& d) {
  return handshake(false, d);
}

IoStatus TlsSocket::handshake(bool server, const Deadline& d) {
  for (;;) {
    ERR_clear_error();
    int rc = server ? SSL_accept(ssl_) : SSL_connect(ssl_);
    if (rc == 1)
      return IoStatus::Ok;
    IoStatus st = wait(rc, d, "handshake");
    if (st != IoStatus::Ok)
      return st;
  }
}

IoStatus TlsSocket::read(char* buf, size_t n, size_t& got, const Deadline& d) {
  if (blocking_ && d.passed() && !SSL_has_pending(ssl_)) {
    error_ = "read timed out";
    tlsFailure_ = false;
    return IoStatus::Timeout;
  }
  for (;;) {
    ERR_clear_error();
    size_t count = 0;
    int rc = SSL_read_ex(ssl_, buf, n, &count);
    if (rc == 1) {
      got = count;
      return IoStatus::Ok;
    }
    IoStatus st = wait(rc, d, "read");
    if (st != IoStatus::Ok)
      return st;
  }
}

IoStatus TlsSocket::writeAll(const char* data, size_t n, const Deadline& d) {
  while (n > 0) {
    ERR_clear_error();
    size_t count = 0;
    int rc = SSL_write_ex(ssl_, data, n, &count);
    if (rc == 1) {
      data += count;
      n -= count;
      continue;
    }
    IoStatus st = wait(rc, d, "write");
    if (st != IoStatus::Ok)
      return st;
  }
  return IoStatus::Ok;
}

TlsStep TlsSocket::handshakeStep(bool server) {
  ERR_clear_error();
  int rc = server ? SSL_accept(ssl_) : SSL_connect(ssl_);
  TlsStep step = rc == 1 ? TlsStep::Done : stepResult(rc, "handshake");
  if (step == TlsStep::Done)
    ERR_clear_error();
  return step;
}

// readStep and writeStep leave OpenSSL's error queue as they found it: empty, since
// acceptStep and every failure clear it (ERR_clear_error costs a thread-local lookup a call).
TlsStep TlsSocket::readStep(char* buf, size_t n, size_t& got) {
  int rc = SSL_read_ex(ssl_, buf, n, &got);
  return rc == 1 ? TlsStep::Done : stepResult(rc, "read");
}

TlsStep TlsSocket::writeStep(const char* data, size_t n, size_t& wrote) {
  int rc = SSL_write_ex(ssl_, data, n, &wrote);
  return rc == 1 ? TlsStep::Done : stepResult(rc, "write");
}

TlsStep TlsSocket::stepResult(int sslResult, const char* what) {
  int err = SSL_get_error(ssl_, sslResult);
  if (err == SSL_ERROR_WANT_READ)
    return TlsStep::WantRead;
  if (err == SSL_ERROR_WANT_WRITE)
    return TlsStep::WantWrite;
  if (err == SSL_ERROR_ZERO_RETURN) {
    ERR_clear_error();
    error_ = "connection closed by peer";
    tlsFailure_ = false;
    return TlsStep::Closed;
  }
  recordFailure(err, what); // clears the queue
  return err == SSL_ERROR_SYSCALL && error_ == "connection closed by peer" ? TlsStep::Closed
                                                                           : TlsStep::Failed;
}

bool TlsSocket::peerClosedOrBusy() const {
  if (SSL_has_pending(ssl_))
    return true;
  pollfd p{fd_, POLLIN, 0};
  return ::poll(&p, 1, 0) != 0;
}

// After a non-successful SSL call: waits for the socket when OpenSSL asks, else records why.
IoStatus TlsSocket::wait(int sslResult, const Deadline& d, const char* what) {
  int err = SSL_get_error(ssl_, sslResult);
  short events = 0;
  if (err == SSL_ERROR_WANT_READ)
    events = POLLIN;
  else if (err == SSL_ERROR_WANT_WRITE)
    events = POLLOUT;
  if (events != 0 && blocking_) { // SO_RCVTIMEO / SO_SNDTIMEO expired
    error_ = std::string(what) + " timed out";
    tlsFailure_ = false;
    return IoStatus::Timeout;
  }
  if (err == SSL_ERROR_SYSCALL && blocking_ && (errno == EAGAIN || errno == EWOULDBLOCK)) {
    error_ = std::string(what) + " timed out";
    tlsFailure_ = false;
    return IoStatus::Timeout;
  }
  if (events == 0) {
    if (err == SSL_ERROR_ZERO_RETURN) {
      error_ = "connection closed by peer";
      tlsFailure_ = false;
      return IoStatus::Closed;
    }
    recordFailure(err, what);
    return err == SSL_ERROR_SYSCALL && error_ == "connection closed by peer" ? IoStatus::Closed
                                                                             : IoStatus::Error;
  }
  pollfd p{fd_, events, 0};
  for (;;) {
    int left = d.remainingMs();
    if (left == 0 && d.passed()) {
      error_ = std::string(what) + " timed out";
      tlsFailure_ = false;
      return IoStatus::Timeout;
    }
    int rc = ::poll(&p, 1, left);
    if (rc > 0)
      return IoStatus::Ok;
    if (rc == 0) {
      error_ = std::string(what) + " timed out";
      tlsFailure_ = false;
      return IoStatus::Timeout;
    }
    if (errno != EINTR) {
      error_ = errnoText(errno);
      return IoStatus::Error;
    }
  }
}

void TlsSocket::recordFailure(int sslError, const char* what) {
  unsigned long code = ERR_peek_last_error();
  int reasonCode = ERR_GET_REASON(code);
  peerAlert_ = false;
  if (!verifyError_.empty()) {
    error_ = verifyError_;
    tlsFailure_ = true;
  } else if (sslError == SSL_ERROR_SSL && reasonCode == SSL_R_UNEXPECTED_EOF_WHILE_READING) {
    // The peer closed without close_notify: a lost connection, not a refusal.
    error_ = std::string(what) == "handshake"
                 ? "unexpected eof while reading: the peer closed the connection during the "
                   "handshake"
                 : "connection closed by peer";
    tlsFailure_ = false;
  } else if (sslError == SSL_ERROR_SSL && code != 0) {
    const char* reason = ERR_reason_error_string(code);
    std::string text = reason ? reason : "TLS error";
    // Alerts received from the peer have reason codes SSL_AD_REASON_OFFSET + alert number.
    bool peerAlert = reasonCode >= SSL_AD_REASON_OFFSET && reasonCode < SSL_AD_REASON_OFFSET + 256;
    if (text == "http request")
      text = "http request: plain HTTP was sent to the TLS port; use https with a client "
             "certificate";
    else if (text == "unsupported protocol" || text == "wrong version number")
      text += ": the peer offered a TLS version below 1.2";
    else if (peerAlert)
      text += " (alert sent by the peer: it refused our certificate or handshake)";
    error_ = text;
    tlsFailure_ = true;
    peerAlert_ = peerAlert;
  } else {
    int e = errno;
    error_ = std::string(what) == "handshake" && e == 0
                 ? "unexpected eof while reading: the peer closed the connection during the "
                   "handshake"
                 : errnoText(e);
    tlsFailure_ = false;
  }
  ERR_clear_error();
}

} // namespace rivet::mtls
