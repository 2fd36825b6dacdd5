// Input checks for leaf certificates. Names follow config/NameRules (the same rules the daemon
// applies to mesh.node_name), so any certificate issued here names a valid node.
#include "ca/LeafProfile.hpp"

#include "ca/CaError.hpp"
#include "config/NameRules.hpp"

#include <arpa/inet.h>
#include <openssl/objects.h>

#include <algorithm>
#include <cctype>

namespace rivet::ca {
namespace {

constexpr int64_t kBackdateSeconds = 300;
constexpr int64_t kDaySeconds = 86400;

void checkNodeName(const std::string& node) {
  if (!config::isNodeName(node))
    throw CaError("invalid node name '" + node +
                  "': use letters, digits, '.', '-' and '_', starting with a letter or digit "
                  "(the name is the certificate CN and <name>.mesh)");
  if (node.size() > 5 && node.compare(node.size() - 5, 5, ".mesh") == 0)
    throw CaError("give the node name without '.mesh' ('" + node.substr(0, node.size() - 5) +
                  "'): the CA adds DNS:<name>.mesh itself");
}

bool isDnsName(const std::string& name) {
  if (name.empty() || name.size() > 253 || name.front() == '.' || name.back() == '.')
    return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_' ||
           c == '*';
  });
}

bool isIpAddress(const std::string& ip) {
  unsigned char buf[16];
  return inet_pton(AF_INET, ip.c_str(), buf) == 1 || inet_pton(AF_INET6, ip.c_str(), buf) == 1;
}

void appendSan(std::string& san, const std::string& entry) {
  if (("," + san + ",").find("," + entry + ",") != std::string::npos)
    return; // the same name twice adds nothing
  san += san.empty() ? entry : "," + entry;
}

std::string subjectAltName(const std::string& defaultDns, const IssueOptions& o) {
  std::string san;
  if (!defaultDns.empty())
    appendSan(san, "DNS:" + defaultDns);
  for (const auto& dns : o.dnsNames) {
    if (!isDnsName(dns))
      throw CaError("invalid DNS name '" + dns +
                    "' for the certificate: use letters, digits, '-', '.' (and '*' for a "
                    "wildcard), as in node-a.mesh");
    appendSan(san, "DNS:" + dns);
  }
  for (const auto& ip : o.ips) {
    if (!isIpAddress(ip))
      throw CaError("invalid IP address '" + ip +
                    "' for the certificate: give an IPv4 or IPv6 address, as in 10.0.0.5");
    appendSan(san, "IP:" + ip);
  }
  return san;
}

std::string extendedKeyUsage(const std::vector<std::string>& usages) {
  std::string text;
  for (const auto& u : usages) {
    if (u.find(',') != std::string::npos || OBJ_txt2nid(u.c_str()) == NID_undef)
      throw CaError("unknown extended key usage '" + u +
                    "': use serverAuth, clientAuth or another OpenSSL short name or OID");
    text += text.empty() ? u : "," + u;
  }
  return text;
}

void checkFileStem(const std::string& stem) {
  bool ok =
      !stem.empty() && stem.front() != '.' && std::all_of(stem.begin(), stem.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_' ||
               c == '@';
      });
  if (!ok)
    throw CaError("invalid certificate file name '" + stem +
                  "': use letters, digits, '.', '-', '_' and '@', not starting with '.'");
}

LeafProfile baseProfile(const std::string& cn, const IssueOptions& o, int64_t now) {
  LeafProfile p;
  p.commonName = cn;
  p.fileStem = o.fileStem.empty() ? cn : o.fileStem;
  checkFileStem(p.fileStem);
  p.rsa = o.rsa;
  p.keyUsage = o.rsa ? "critical,digitalSignature,keyEncipherment" : "critical,digitalSignature";
  if (!o.notAfter && o.days < 1)
    throw CaError("a certificate must be valid for at least 1 day (got " + std::to_string(o.days) +
                  ")");
  p.notBefore = o.notBefore.value_or(now - kBackdateSeconds);
  p.notAfter = o.notAfter.value_or((o.notBefore ? *o.notBefore : now) + o.days * kDaySeconds);
  if (p.notAfter <= p.notBefore)
    throw CaError("a certificate must end after it starts (notBefore " +
                  std::to_string(p.notBefore) + ", notAfter " + std::to_string(p.notAfter) + ")");
  return p;
}

} // namespace

LeafProfile nodeProfile(const std::string& node, const IssueOptions& o, int64_t now) {
  checkNodeName(node);
  LeafProfile p = baseProfile(node, o, now);
  p.subjectAltName = subjectAltName(node + ".mesh", o);
  p.extendedKeyUsage = extendedKeyUsage(o.extendedKeyUsage);
  return p;
}

LeafProfile agentProfile(const std::string& agent, const std::string& node, const IssueOptions& o,
                         int64_t now) {
  if (!config::isAgentId(agent))
    throw CaError("invalid agent id '" + agent + "': use letters, digits, '.', '-' and '_'");
  checkNodeName(node);
  LeafProfile p = baseProfile(agent + "@" + node, o, now);
  p.subjectAltName = subjectAltName("", o);
  bool defaultUsages = o.extendedKeyUsage == IssueOptions{}.extendedKeyUsage;
  p.extendedKeyUsage =
      extendedKeyUsage(defaultUsages ? std::vector<std::string>{"clientAuth"} : o.extendedKeyUsage);
  return p;
}

} // namespace rivet::ca
