// `mesh.discovery` and `mesh.peers`: types, allowed modes, service-type shape, unique peer
// names. Peer hosts get the same shell-safety check as advertise_host.
#include "config/DiscoverySection.hpp"

#include "config/NameRules.hpp"

#include <cctype>
#include <set>

namespace rivet::config {
namespace {

const std::vector<std::string> kDiscoveryKeys = {"mode", "seed_host", "seed_port", "mdns_service"};
const std::vector<std::string> kPeerKeys = {"name", "host", "port"};

// A DNS-SD service type: _name._tcp or _name._udp.
bool isServiceType(const std::string& s) {
  const size_t n = s.size();
  if (n < 7 || s[0] != '_' ||
      (s.compare(n - 5, 5, "._tcp") != 0 && s.compare(n - 5, 5, "._udp") != 0))
    return false;
  for (size_t i = 1; i < n - 5; ++i) {
    char c = s[i];
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-')
      return false;
  }
  return true;
}

} // namespace

Discovery readDiscovery(const YAML::Node& node, FieldReader& r) {
  Discovery d;
  if (node.IsNull())
    return d;
  r.requireMap(node, "mesh.discovery",
               "Write discovery: with an indented mode: static, seed or mdns");
  bool modeSet = false;
  r.forEachEntry(node, "mesh.discovery", kDiscoveryKeys,
                 [&](const std::string& key, const YAML::Node& v) {
                   const std::string path = "mesh.discovery." + key;
                   if (key == "mode") {
                     r.readString(v, path, d.mode);
                     modeSet = !d.mode.empty();
                   } else if (key == "seed_host") {
                     r.readHost(v, path, d.seedHost);
                   } else if (key == "seed_port") {
                     r.readInt(v, path, 1, 65535, d.seedPort);
                   } else if (key == "mdns_service") {
                     r.readString(v, path, d.mdnsService);
                     if (!isServiceType(d.mdnsService))
                       r.failAt(path, r.quote(d.mdnsService) + " is not a DNS-SD service type",
                                "Write it as _name._tcp, e.g. _rivetos._tcp (the default)");
                   }
                 });
  if (!modeSet) {
    r.failAt("mesh.discovery", "the discovery section has no mode",
             "Add mode: static, seed or mdns, or remove mesh.discovery to rely on the shared "
             "mesh.json alone");
  }
  if (d.mode != "static" && d.mode != "seed" && d.mode != "mdns") {
    r.failAt("mesh.discovery.mode", "unknown discovery mode " + r.quote(d.mode),
             "Use one of: static, seed, mdns (or remove mesh.discovery to rely on the shared "
             "mesh.json alone)");
  }
  return d;
}

std::vector<Peer> readPeers(const YAML::Node& node, FieldReader& r) {
  std::vector<Peer> peers;
  if (node.IsNull())
    return peers;
  if (!node.IsSequence()) {
    r.fail(node.Mark(), "mesh.peers", "expected a list of peers, found " + r.describe(node),
           "Write one '- name: <node>' item per peer, each with host: and optionally port:");
  }
  std::set<std::string> names;
  for (size_t i = 0; i < node.size(); ++i) {
    const YAML::Node item = node[i];
    const std::string path = "mesh.peers[" + std::to_string(i) + "]";
    r.recordMark(path, item.Mark());
    if (!item.IsMap()) {
      r.fail(item.Mark(), path, "expected a peer map {name, host, port}, found " + r.describe(item),
             "Write the peer as '- {name: node-b, host: 10.0.0.2, port: 3000}'");
    }
    Peer peer;
    r.forEachEntry(item, path, kPeerKeys, [&](const std::string& key, const YAML::Node& v) {
      if (key == "name")
        r.readString(v, path + ".name", peer.name);
      else if (key == "host")
        r.readHost(v, path + ".host", peer.host);
      else if (key == "port")
        r.readInt(v, path + ".port", 1, 65535, peer.port);
    });
    if (peer.name.empty())
      r.fail(item.Mark(), path + ".name", "missing: every peer needs a name",
             "Add name: <the peer's node_name>");
    if (!isNodeName(peer.name))
      r.failAt(path + ".name", r.quote(peer.name) + " is not a valid node name",
               "Use letters, digits, '.', '-' and '_', starting with a letter or digit");
    if (peer.host.empty())
      r.fail(item.Mark(), path + ".host", "missing: every peer needs a host",
             "Add host: <IP address or host name of " + peer.name + ">");
    if (!names.insert(peer.name).second)
      r.failAt(path + ".name", "peer " + r.quote(peer.name) + " is listed twice",
               "Keep one entry per peer name");
    peers.push_back(peer);
  }
  return peers;
}

} // namespace rivet::config
