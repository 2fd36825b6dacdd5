// `metrics:`: typed keys with unknown-key warnings (nearest key), an IP address to bind, and the
// rule that keeps an unauthenticated listener on loopback unless the operator says otherwise.
#include "config/MetricsSection.hpp"

#include <arpa/inet.h>

#include <cctype>
#include <vector>

namespace rivet::config {
namespace {

const std::vector<std::string> kMetricsKeys = {"enabled", "address", "port", "allow_remote",
                                               "allowed_hosts"};

bool isIpAddress(const std::string& a) {
  unsigned char buf[16];
  return inet_pton(AF_INET, a.c_str(), buf) == 1 || inet_pton(AF_INET6, a.c_str(), buf) == 1;
}

// A DNS name as a Host header carries it: letters, digits, '-', '.', at most 253 characters.
bool isHostName(const std::string& s) {
  if (s.empty() || s.size() > 253 || s.front() == '.' || s.front() == '-')
    return false;
  for (char c : s)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '.')
      return false;
  return true;
}

std::vector<std::string> readHosts(const YAML::Node& node, FieldReader& r) {
  std::vector<std::string> hosts;
  if (node.IsNull())
    return hosts;
  if (!node.IsSequence())
    r.fail(node.Mark(), "metrics.allowed_hosts",
           "expected a list of host names, found " + r.describe(node),
           "Write allowed_hosts: [metrics.example.org] (names a browser or Prometheus uses)");
  for (size_t i = 0; i < node.size(); ++i) {
    const std::string path = "metrics.allowed_hosts[" + std::to_string(i) + "]";
    r.recordMark(path, node[i].Mark());
    std::string name;
    r.readString(node[i], path, name);
    if (!isHostName(name))
      r.failAt(path, r.quote(name) + " is not a host name",
               "Use a DNS name such as node-a.example.org, without port or scheme");
    for (auto& c : name)
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    hosts.push_back(name);
  }
  return hosts;
}

} // namespace

bool isLoopbackAddress(const std::string& address) {
  unsigned char v4[4];
  if (inet_pton(AF_INET, address.c_str(), v4) == 1)
    return v4[0] == 127;
  unsigned char v6[16];
  if (inet_pton(AF_INET6, address.c_str(), v6) == 1) {
    for (int i = 0; i < 15; ++i)
      if (v6[i] != 0)
        return false;
    return v6[15] == 1;
  }
  return false;
}

MetricsConfig readMetrics(const YAML::Node& node, FieldReader& r) {
  MetricsConfig m;
  if (node.IsNull())
    return m;
  r.requireMap(node, "metrics",
               "Write metrics: with indented keys such as enabled: true and port: 9477");
  r.forEachEntry(node, "metrics", kMetricsKeys, [&](const std::string& key, const YAML::Node& v) {
    const std::string path = "metrics." + key;
    if (key == "enabled")
      r.readBool(v, path, m.enabled);
    else if (key == "address")
      r.readString(v, path, m.address);
    else if (key == "port")
      r.readInt(v, path, 1, 65535, m.port);
    else if (key == "allow_remote")
      r.readBool(v, path, m.allowRemote);
    else if (key == "allowed_hosts")
      m.allowedHosts = readHosts(v, r);
  });
  if (!isIpAddress(m.address))
    r.failAt("metrics.address", r.quote(m.address) + " is not an IP address",
             "Use 127.0.0.1 (the default), ::1, or the IP address of one interface");
  if (m.enabled && !isLoopbackAddress(m.address) && !m.allowRemote)
    r.failAt("metrics.address",
             r.quote(m.address) +
                 " is not a loopback address: the metrics listener has no authentication and "
                 "would show this mesh's nodes, agents and tasks to anyone who can reach it",
             "Keep 127.0.0.1 and scrape through a local agent or an SSH tunnel, or set "
             "metrics.allow_remote: true behind a firewall that admits only your Prometheus");
  return m;
}

} // namespace rivet::config
