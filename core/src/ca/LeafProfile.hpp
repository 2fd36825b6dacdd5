// Turns a node or agent name plus IssueOptions into the checked contents of one leaf
// certificate, refusing bad names, addresses, usages and dates with a message that says why.
#pragma once

#include "ca/IssueOptions.hpp"

#include <cstdint>
#include <string>

namespace rivet::ca {

struct LeafProfile {
  std::string commonName;
  std::string fileStem;
  std::string subjectAltName;   // OpenSSL config value ("DNS:n1.mesh,IP:10.0.0.1"); may be empty
  std::string extendedKeyUsage; // "serverAuth,clientAuth"; may be empty
  std::string keyUsage;         // "critical,digitalSignature[,keyEncipherment]"
  int64_t notBefore = 0;
  int64_t notAfter = 0;
  bool rsa = false;
};

// CN=node, SAN DNS:<node>.mesh plus the extras.
LeafProfile nodeProfile(const std::string& node, const IssueOptions& o, int64_t now);
// CN=agent@node, SANs only from the extras, clientAuth only unless the caller chose other EKUs.
LeafProfile agentProfile(const std::string& agent, const std::string& node, const IssueOptions& o,
                         int64_t now);

} // namespace rivet::ca
