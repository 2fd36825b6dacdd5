// Builds the bench client's SSL_CTX (TLS 1.2+, mutual TLS, host or IP verification) and keeps
// the newest session ticket per connection slot so that --resume reconnects can resume.
#include "BenchTlsClient.hpp"

#include "ca/OpenSslHandles.hpp"

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace rivet::ctl {

namespace {

bool isIpLiteral(const std::string& s) {
  unsigned char buf[16];
  return inet_pton(AF_INET, s.c_str(), buf) == 1 || inet_pton(AF_INET6, s.c_str(), buf) == 1;
}

void require(bool ok, const std::string& what) {
  if (!ok)
    throw std::runtime_error(what + ": " + ca::openSslErrors());
}

} // namespace

BenchTlsClient::BenchTlsClient(const BenchOptions& o) {
  ctx_ = SSL_CTX_new(TLS_client_method());
  require(ctx_ != nullptr, "cannot create a TLS client context");
  SSL_CTX_set_min_proto_version(ctx_, TLS1_2_VERSION);
  SSL_CTX_set_mode(ctx_, SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  if (o.hold || o.slowloris) // thousands of idle connections: no buffers while idle
    SSL_CTX_set_mode(ctx_, SSL_MODE_RELEASE_BUFFERS);
  // A response that runs until close may end without close_notify; one read per record.
  SSL_CTX_set_options(ctx_, SSL_OP_IGNORE_UNEXPECTED_EOF);
  SSL_CTX_set_read_ahead(ctx_, 1);
  require(SSL_CTX_use_certificate_chain_file(ctx_, o.certFile.c_str()) == 1,
          "cannot use client certificate '" + o.certFile + "' (--cert wants PEM, leaf first)");
  require(SSL_CTX_use_PrivateKey_file(ctx_, o.keyFile.c_str(), SSL_FILETYPE_PEM) == 1,
          "cannot use private key '" + o.keyFile + "' (--key wants an unencrypted PEM key)");
  require(SSL_CTX_check_private_key(ctx_) == 1,
          "key '" + o.keyFile + "' does not belong to certificate '" + o.certFile + "'");
  require(SSL_CTX_load_verify_locations(ctx_, o.caFile.c_str(), nullptr) == 1,
          "cannot load CA bundle '" + o.caFile + "' (--ca wants PEM certificates)");
  SSL_CTX_set_verify(ctx_, SSL_VERIFY_PEER, nullptr);
  X509_VERIFY_PARAM* param = SSL_CTX_get0_param(ctx_);
  if (isIpLiteral(o.name)) {
    require(X509_VERIFY_PARAM_set1_ip_asc(param, o.name.c_str()) == 1,
            "cannot verify against IP '" + o.name + "'");
  } else {
    X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    require(X509_VERIFY_PARAM_set1_host(param, o.name.c_str(), 0) == 1,
            "cannot verify against name '" + o.name + "'");
    sni_ = o.name;
  }
  if (o.resume) {
    // Sessions (TLS 1.2 IDs/tickets, TLS 1.3 tickets that arrive after the handshake) go to
    // the callback only; each connection slot keeps its newest one.
    SSL_CTX_set_session_cache_mode(ctx_, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
    SSL_CTX_sess_set_new_cb(ctx_, &BenchTlsClient::onNewSession);
  } else {
    SSL_CTX_set_session_cache_mode(ctx_, SSL_SESS_CACHE_OFF);
  }
}

BenchTlsClient::~BenchTlsClient() {
  SSL_CTX_free(ctx_);
}

SSL* BenchTlsClient::newSsl(SSL_SESSION** slot) const {
  SSL* ssl = SSL_new(ctx_);
  require(ssl != nullptr, "cannot create a TLS connection");
  if (!sni_.empty())
    SSL_set_tlsext_host_name(ssl, sni_.c_str());
  SSL_set_app_data(ssl, slot);
  if (slot && *slot)
    SSL_set_session(ssl, *slot);
  return ssl;
}

SSL* BenchTlsClient::newSsl(int fd, SSL_SESSION** slot) const {
  SSL* ssl = newSsl(slot);
  SSL_set_fd(ssl, fd);
  SSL_set_connect_state(ssl);
  return ssl;
}

int BenchTlsClient::onNewSession(SSL* ssl, SSL_SESSION* session) {
  auto slot = static_cast<SSL_SESSION**>(SSL_get_app_data(ssl));
  if (!slot)
    return 0;
  if (*slot)
    SSL_SESSION_free(*slot);
  *slot = session; // we keep the reference OpenSSL handed us
  return 1;
}

TlsStep connectStep(SSL* ssl, std::string& why) {
  ERR_clear_error();
  int r = SSL_connect(ssl);
  if (r == 1)
    return TlsStep::Done;
  int e = SSL_get_error(ssl, r);
  if (e == SSL_ERROR_WANT_READ)
    return TlsStep::WantRead;
  if (e == SSL_ERROR_WANT_WRITE)
    return TlsStep::WantWrite;
  why = tlsFailure(ssl, r, e);
  return TlsStep::Failed;
}

std::string tlsFailure(SSL* ssl, int ret, int sslError) {
  long verify = SSL_get_verify_result(ssl);
  if (verify != X509_V_OK) {
    ERR_clear_error();
    return std::string("server certificate refused: ") + X509_verify_cert_error_string(verify);
  }
  // SSL_OP_IGNORE_UNEXPECTED_EOF turns a close in the middle of the handshake into ZERO_RETURN.
  if (sslError == SSL_ERROR_ZERO_RETURN && ERR_peek_error() == 0)
    return "connection closed by the server during TLS";
  if (sslError == SSL_ERROR_SYSCALL && ERR_peek_error() == 0)
    return ret == 0 || errno == 0 ? "connection closed by the server during TLS"
                                  : std::string("socket error: ") + std::strerror(errno);
  return ca::openSslErrors();
}

} // namespace rivet::ctl
