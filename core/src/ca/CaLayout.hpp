// Where the CA keeps each file: the RivetOS layout (issued/<name>.crt, intermediate/chain.pem,
// crl.pem under the shared folder; the root key in its own folder), in one place.
#pragma once

#include <string>

namespace rivet::ca {

class CaLayout {
public:
  CaLayout(const std::string& dir, const std::string& rootDir);

  const std::string& dir() const { return dir_; }
  const std::string& rootDir() const { return rootDir_; }

  std::string rootKey() const { return rootDir_ + "/ca.key"; }
  std::string rootCert() const { return rootDir_ + "/ca.crt"; }
  std::string intermediateDir() const { return dir_ + "/intermediate"; }
  std::string intermediatePrivateDir() const { return intermediateDir() + "/private"; }
  std::string intermediateCert() const { return intermediateDir() + "/intermediate.crt"; }
  std::string intermediateKey() const { return intermediatePrivateDir() + "/intermediate.key"; }
  // Intermediate followed by root: what nodes trust (mesh.tls.ca_path).
  std::string chain() const { return intermediateDir() + "/ca-chain.pem"; }
  // The same bundle under the name RivetOS's rivet-ca.sh writes.
  std::string chainAlias() const { return intermediateDir() + "/chain.pem"; }
  std::string issuedDir() const { return dir_ + "/issued"; }
  std::string issuedCert(const std::string& stem) const {
    return issuedDir() + "/" + stem + ".crt";
  }
  std::string issuedKey(const std::string& stem) const { return issuedDir() + "/" + stem + ".key"; }
  std::string crl() const { return dir_ + "/crl.pem"; }
  // File stem -> serial, revocations and the CRL number.
  std::string index() const { return dir_ + "/index.json"; }
  std::string lock() const { return dir_ + "/index.json.lock"; }

private:
  std::string dir_;
  std::string rootDir_;
};

} // namespace rivet::ca
