// The node's TLS material, checked and built into a server and a client context. Immutable:
// a reload builds a new one, connections keep the one they started with.
#pragma once

#include <Poco/Net/Context.h>
#include <ctime>
#include <memory>
#include <stdexcept>
#include <string>

namespace rivet::mtls {

struct TlsPaths {
  std::string caPath;
  std::string certPath;
  std::string keyPath;
  std::string crlPath; // empty: no revocation list
  // The A2A listener's own certificate and key (node_info "a2a"; the node's when not
  // configured); empty: the node serves no A2A.
  std::string a2aCertPath;
  std::string a2aKeyPath;
};

// A refused certificate, key, CA or CRL file; what() names the file and what to do.
class MaterialError : public std::runtime_error {
  using std::runtime_error::runtime_error;
};

class TlsMaterial {
public:
  // Checks the files (readable, parseable, key belongs to the certificate, CN matches
  // `nodeName` as `<name>` or `<name>.mesh`, currently valid) and builds both contexts; with
  // paths.a2aCertPath also the A2A listener's (readable, key matching, currently valid: its
  // name is the operator's choice, often a public one).
  static std::shared_ptr<const TlsMaterial> load(const TlsPaths& paths,
                                                 const std::string& nodeName);

  SSL_CTX* serverContext() const { return server_->sslContext(); }
  SSL_CTX* clientContext() const { return client_->sslContext(); }
  // The A2A listener's server context: its own certificate, the client certificate optional
  // but, when presented, verified against the mesh CA and CRL. Null when paths() has no A2A.
  SSL_CTX* a2aServerContext() const { return a2aServer_ ? a2aServer_->sslContext() : nullptr; }
  int a2aDaysLeft() const;
  const std::string& commonName() const { return commonName_; }
  std::time_t notAfter() const { return notAfter_; }
  int daysLeft() const;
  const TlsPaths& paths() const { return paths_; }

private:
  TlsPaths paths_;
  Poco::Net::Context::Ptr server_;
  Poco::Net::Context::Ptr client_;
  Poco::Net::Context::Ptr a2aServer_;
  std::time_t a2aNotAfter_ = 0;
  std::string commonName_;
  std::time_t notAfter_ = 0;
};

} // namespace rivet::mtls
