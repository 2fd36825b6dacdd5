// The mesh's two-level CA (root -> intermediate -> leaves) in RivetOS's file layout: creates it,
// issues node and agent certificates, revokes them and publishes the CRL.
#pragma once

#include "ca/CaError.hpp"
#include "ca/CaLayout.hpp"
#include "ca/CertInfo.hpp"
#include "ca/IssueOptions.hpp"

#include <string>
#include <utility>

namespace rivet::ca {

struct LeafProfile;

constexpr const char* kDefaultCaDir = "/rivet-shared/rivet-ca";
constexpr const char* kDefaultCaRootDir = "/var/lib/rivet-ca/root";

class CertificateAuthority {
public:
  // Creates the root CA under rootDir (its key never leaves it) and an intermediate (pathlen 0)
  // under dir/intermediate/, the chain bundle, an empty index and an empty CRL.
  // Refuses, naming the file, to overwrite any part of an existing CA.
  static CertificateAuthority init(const std::string& dir, const std::string& rootDir);
  // Opens an existing CA. Only the intermediate is needed; rootDir may be absent on this host.
  static CertificateAuthority open(const std::string& dir, const std::string& rootDir);

  // CN=node, SAN DNS:node.mesh + extras, EKU per options. Replaces earlier files of that name.
  IssuedFiles issueNode(const std::string& node, const IssueOptions& o = {});
  // CN=agent@node, clientAuth only (unless o.extendedKeyUsage was changed).
  IssuedFiles issueAgent(const std::string& agent, const std::string& node,
                         const IssueOptions& o = {});
  // Revokes every certificate issued under this file stem and rewrites the CRL.
  // Revoking twice is harmless. CaError if nothing was issued under that name.
  void revoke(const std::string& name);
  // Writes dir/crl.pem (valid 30 days) listing every revoked serial; returns its path.
  std::string writeCrl();

  std::string chainPath() const { return layout_.chain(); }
  std::string crlPath() const { return layout_.crl(); }
  const CaLayout& layout() const { return layout_; }

private:
  explicit CertificateAuthority(CaLayout layout) : layout_(std::move(layout)) {}
  IssuedFiles issue(const LeafProfile& profile);

  CaLayout layout_;
};

} // namespace rivet::ca
