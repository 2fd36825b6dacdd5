// Certificate checks (docs/protocol.md §2) and the Poco contexts: TLS 1.2+, VERIFY_STRICT, the leaf
// presented with its intermediates, an optional CRL, and TLS session resumption.
#include "TlsMaterial.hpp"

#include "TlsSocket.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <sstream>

namespace rivet::mtls {
namespace {

using BioPtr = std::unique_ptr<BIO, decltype(&BIO_free)>;

// Sessions kept for resumption, about 6 KB each (with the client's parsed certificates): 6 MB
// when full, then the oldest goes. Two tickets per full handshake fill it after 512
// handshakes, so memory stays flat from there on.
constexpr size_t kSessionCacheSize = 1024;

std::string readFile(const std::string& key, const std::string& path, const std::string& hint) {
  if (path.empty())
    throw MaterialError(key + " is empty: set it in rivet.yaml");
  std::ifstream f(path, std::ios::binary);
  if (!f)
    throw MaterialError(key + " " + path + " is not readable: " + std::strerror(errno) + "; " +
                        hint);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

BioPtr memBio(const std::string& data) {
  return BioPtr(BIO_new_mem_buf(data.data(), static_cast<int>(data.size())), &BIO_free);
}

std::string opensslError() {
  unsigned long e = ERR_get_error();
  ERR_clear_error();
  if (!e)
    return "no PEM data found";
  const char* r = ERR_reason_error_string(e);
  return r ? r : "unknown OpenSSL error";
}

std::string formatTime(std::time_t t) {
  char buf[32];
  std::tm tm{};
  gmtime_r(&t, &tm);
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M UTC", &tm);
  return buf;
}

std::time_t asTime(const ASN1_TIME* t) {
  std::tm tm{};
  ASN1_TIME_to_tm(t, &tm);
  return timegm(&tm);
}

std::string commonNameOf(X509* cert) {
  X509_NAME* name = X509_get_subject_name(cert);
  int idx = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
  if (idx < 0)
    return "";
  ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, idx));
  unsigned char* utf8 = nullptr;
  int len = ASN1_STRING_to_UTF8(&utf8, data);
  if (len < 0)
    return "";
  std::string cn(reinterpret_cast<char*>(utf8), static_cast<size_t>(len));
  OPENSSL_free(utf8);
  return cn;
}

// Which listener a server context is for: the agent channel requires a client certificate, the
// A2A listener asks for one (SSL_VERIFY_PEER without FAIL_IF_NO_PEER_CERT) and presents its own.
enum class Role { Channel, A2a };

Poco::Net::Context::Ptr makeContext(Poco::Net::Context::Usage usage, const TlsPaths& paths,
                                    Role role = Role::Channel) {
  const bool a2a = role == Role::A2a;
  Poco::Net::Context::Params p;
  p.privateKeyFile = a2a ? paths.a2aKeyPath : paths.keyPath;
  p.certificateFile = a2a ? paths.a2aCertPath : paths.certPath;
  p.caLocation = paths.caPath;
  p.verificationMode = Poco::Net::Context::VERIFY_STRICT;
  p.verificationDepth = 5;
  p.loadDefaultCAs = false;
  p.cipherList = "HIGH:!aNULL:!MD5:!RC4";
  Poco::Net::Context::Ptr ctx;
  try {
    ctx = new Poco::Net::Context(usage, p);
  } catch (const Poco::Exception& e) {
    throw MaterialError(std::string("cannot build a TLS context from ") +
                        (a2a ? "the A2A listener's certificate (" : "mesh.tls (") +
                        p.certificateFile + ", " + p.privateKeyFile + ", " + paths.caPath +
                        "): " + e.displayText());
  }
  ctx->requireMinimumProtocol(Poco::Net::Context::PROTO_TLSV1_2);
  // Poco's own post-handshake name check would compare a *client* certificate with the
  // client's IP address; names are checked by OpenSSL where they matter (client side).
  ctx->enableExtendedCertificateVerification(false);
  SSL_CTX* ssl = ctx->sslContext();
  if (a2a) // a presented certificate is verified as strictly as on the agent channel
    SSL_CTX_set_verify(ssl, SSL_VERIFY_PEER | SSL_VERIFY_CLIENT_ONCE, nullptr);
  TlsSocket::installVerifyCallback(ssl);
  // Present the leaf with its intermediates even when the .crt holds the leaf only. An A2A
  // certificate file that brings its own chain (a public CA's) keeps it as it is.
  STACK_OF(X509)* chain = nullptr;
  SSL_CTX_get0_chain_certs(ssl, &chain);
  if (!a2a || sk_X509_num(chain) <= 0)
    SSL_CTX_build_cert_chain(ssl, SSL_BUILD_CHAIN_FLAG_NO_ROOT | SSL_BUILD_CHAIN_FLAG_IGNORE_ERROR);
  ERR_clear_error();
  return ctx;
}

void addCrl(SSL_CTX* ctx, const std::string& pem, const std::string& path) {
  auto bio = memBio(pem);
  X509_STORE* store = SSL_CTX_get_cert_store(ctx);
  int count = 0;
  while (X509_CRL* crl = PEM_read_bio_X509_CRL(bio.get(), nullptr, nullptr, nullptr)) {
    X509_STORE_add_crl(store, crl);
    X509_CRL_free(crl);
    ++count;
  }
  ERR_clear_error();
  if (count == 0)
    throw MaterialError("mesh.tls.crl_path " + path +
                        " holds no PEM CRL; regenerate it with `rivetctl ca crl`");
  X509_STORE_set_flags(store, X509_V_FLAG_CRL_CHECK);
}

using CertPtr = std::unique_ptr<X509, decltype(&X509_free)>;

// Reads a certificate and its key (named by their rivet.yaml keys in every error) and checks
// that the key belongs to the certificate.
CertPtr checkedPair(const std::string& certKey, const std::string& certPath,
                    const std::string& keyKey, const std::string& keyPath,
                    const std::string& hint) {
  std::string certPem = readFile(certKey, certPath, hint);
  std::string keyPem = readFile(keyKey, keyPath, hint);
  auto certBio = memBio(certPem);
  CertPtr cert(PEM_read_bio_X509(certBio.get(), nullptr, nullptr, nullptr), &X509_free);
  if (!cert)
    throw MaterialError(certKey + " " + certPath + " is not a PEM certificate: " + opensslError());
  auto keyBio = memBio(keyPem);
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(
      PEM_read_bio_PrivateKey(keyBio.get(), nullptr, nullptr, nullptr), &EVP_PKEY_free);
  if (!key)
    throw MaterialError(keyKey + " " + keyPath +
                        " is not a PEM private key (or it is encrypted): " + opensslError());
  if (X509_check_private_key(cert.get(), key.get()) != 1) {
    ERR_clear_error();
    throw MaterialError(keyKey + " " + keyPath + " does not belong to the certificate " + certPath +
                        "; use the key issued with it");
  }
  return cert;
}

// Refuses a certificate that has expired or is not valid yet; returns its notAfter.
std::time_t checkedValidity(X509* cert, const std::string& path, const std::string& hint) {
  std::time_t now = std::time(nullptr);
  std::time_t notAfter = asTime(X509_get0_notAfter(cert));
  std::time_t notBefore = asTime(X509_get0_notBefore(cert));
  if (notAfter < now)
    throw MaterialError("certificate " + path + " expired on " + formatTime(notAfter) + "; " +
                        hint);
  if (notBefore > now)
    throw MaterialError("certificate " + path + " is not valid before " + formatTime(notBefore) +
                        "; check the system clock");
  return notAfter;
}

} // namespace

std::shared_ptr<const TlsMaterial> TlsMaterial::load(const TlsPaths& paths,
                                                     const std::string& nodeName) {
  const std::string issueHint = "issue one with `rivetctl ca issue " + nodeName + "`";
  CertPtr cert = checkedPair("mesh.tls.cert_path", paths.certPath, "mesh.tls.key_path",
                             paths.keyPath, issueHint);
  std::string caPem =
      readFile("mesh.tls.ca_path", paths.caPath, "create the CA with `rivetctl ca init`");
  std::string crlPem = paths.crlPath.empty() ? ""
                                             : readFile("mesh.tls.crl_path", paths.crlPath,
                                                        "create it with `rivetctl ca crl`");
  auto caBio = memBio(caPem);
  std::unique_ptr<X509, decltype(&X509_free)> ca(
      PEM_read_bio_X509(caBio.get(), nullptr, nullptr, nullptr), &X509_free);
  if (!ca)
    throw MaterialError("mesh.tls.ca_path " + paths.caPath +
                        " holds no PEM certificate: " + opensslError());

  auto material = std::make_shared<TlsMaterial>();
  material->paths_ = paths;
  material->commonName_ = commonNameOf(cert.get());
  if (material->commonName_ != nodeName && material->commonName_ != nodeName + ".mesh")
    throw MaterialError("certificate " + paths.certPath + " has CN=" + material->commonName_ +
                        ", which does not match mesh.node_name " + nodeName + " (CN=" + nodeName +
                        " or CN=" + nodeName + ".mesh); " + issueHint + " or fix mesh.node_name");
  material->notAfter_ = checkedValidity(cert.get(), paths.certPath, issueHint);
  material->a2aNotAfter_ = material->notAfter_;
  if (!paths.a2aCertPath.empty() &&
      (paths.a2aCertPath != paths.certPath || paths.a2aKeyPath != paths.keyPath)) {
    const std::string a2aHint = "set a2a.tls.cert and a2a.tls.key to a certificate and its key, "
                                "or remove a2a.tls to present the node's certificate";
    CertPtr a2aCert =
        checkedPair("a2a.tls.cert", paths.a2aCertPath, "a2a.tls.key", paths.a2aKeyPath, a2aHint);
    material->a2aNotAfter_ = checkedValidity(a2aCert.get(), paths.a2aCertPath, a2aHint);
  }

  material->server_ = makeContext(Poco::Net::Context::TLS_SERVER_USE, paths);
  material->client_ = makeContext(Poco::Net::Context::TLS_CLIENT_USE, paths);
  material->server_->enableSessionCache(true, "rivet-mesh");
  material->server_->setSessionCacheSize(kSessionCacheSize);
  // Stateful resumption: TLS 1.3 tickets and TLS 1.2 session IDs name a session kept in this
  // context's cache. A stateless ticket carries the session, client certificate included, and
  // resuming from it parses that certificate again (half the CPU of a resumed handshake).
  material->server_->disableStatelessSessionResumption();
  if (!paths.a2aCertPath.empty()) {
    material->a2aServer_ = makeContext(Poco::Net::Context::TLS_SERVER_USE, paths, Role::A2a);
    // A cache of its own: no session crosses from one listener to the other.
    material->a2aServer_->enableSessionCache(true, "rivet-a2a");
    material->a2aServer_->setSessionCacheSize(kSessionCacheSize);
    material->a2aServer_->disableStatelessSessionResumption();
  }
  if (!crlPem.empty()) {
    addCrl(material->serverContext(), crlPem, paths.crlPath);
    addCrl(material->clientContext(), crlPem, paths.crlPath);
    if (material->a2aServer_)
      addCrl(material->a2aServerContext(), crlPem, paths.crlPath);
  }
  return material;
}

int TlsMaterial::daysLeft() const {
  return static_cast<int>((notAfter_ - std::time(nullptr)) / 86400);
}

int TlsMaterial::a2aDaysLeft() const {
  return static_cast<int>((a2aNotAfter_ - std::time(nullptr)) / 86400);
}

} // namespace rivet::mtls
