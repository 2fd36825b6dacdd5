// The `mesh:` section. Values are read in YAML order; defaults that depend on other keys
// (node_name in tls paths, seed_port = agent_channel_port) are filled in afterwards.
#include "config/MeshSection.hpp"

#include "config/ChannelSection.hpp"
#include "config/DiscoverySection.hpp"
#include "config/NameRules.hpp"

#include <filesystem>
#include <limits>
#include <unistd.h>

namespace rivet::config {
namespace {

constexpr int64_t kMaxInt64 = std::numeric_limits<int64_t>::max();
const char* const kTlsTypeMessage = "mesh.tls must be boolean (true for defaults) or a "
                                    "MeshTlsConfig object { ca_path?, cert_path?, key_path? }";

const std::vector<std::string> kMeshKeys = {"enabled",
                                            "node_name",
                                            "advertise_host",
                                            "listen_host",
                                            "tls",
                                            "agent_channel_port",
                                            "storage_dir",
                                            "state_dir",
                                            "registry_max_bytes",
                                            "heartbeat_interval_ms",
                                            "stale_threshold_ms",
                                            "max_chain_depth",
                                            "transport",
                                            "default_agent",
                                            "agent_workers",
                                            "delegation_transport",
                                            "channel",
                                            "discovery",
                                            "peers",
                                            "secret"};
const std::vector<std::string> kTlsKeys = {"ca_path", "cert_path", "key_path", "crl_path"};

std::string hostName() {
  char buf[256] = {};
  if (gethostname(buf, sizeof(buf) - 1) != 0 || buf[0] == '\0')
    return "localhost";
  return buf;
}

TlsPaths defaultTlsPaths(const std::string& nodeName) {
  TlsPaths t;
  t.caPath = "/rivet-shared/rivet-ca/intermediate/ca-chain.pem";
  t.certPath = "/rivet-shared/rivet-ca/issued/" + nodeName + ".crt";
  t.keyPath = "/rivet-shared/rivet-ca/issued/" + nodeName + ".key";
  return t;
}

// `tls:` is true, false, null or a map; anything else gets RivetOS's message.
void readTls(const YAML::Node& node, FieldReader& r, Mesh& mesh) {
  if (node.IsNull())
    return;
  if (node.IsScalar() && node.Tag() == "?") {
    const std::string& s = node.Scalar();
    if (s == "true" || s == "True" || s == "TRUE") {
      mesh.tlsConfigured = true;
      mesh.tls = defaultTlsPaths(mesh.nodeName);
      return;
    }
    if (s == "false" || s == "False" || s == "FALSE")
      return;
  }
  if (!node.IsMap()) {
    r.fail(node.Mark(), "mesh.tls", std::string(kTlsTypeMessage) + "; found " + r.describe(node),
           "Write tls: true for the conventional paths, or a map with ca_path, cert_path and "
           "key_path");
  }
  mesh.tlsConfigured = true;
  mesh.tls = defaultTlsPaths(mesh.nodeName);
  r.forEachEntry(node, "mesh.tls", kTlsKeys, [&](const std::string& key, const YAML::Node& v) {
    const std::string path = "mesh.tls." + key;
    if (key == "ca_path")
      r.readPath(v, path, mesh.tls.caPath);
    else if (key == "cert_path")
      r.readPath(v, path, mesh.tls.certPath);
    else if (key == "key_path")
      r.readPath(v, path, mesh.tls.keyPath);
    else if (key == "crl_path")
      r.readPath(v, path, mesh.tls.crlPath);
  });
}

void readDelegationTransport(const YAML::Node& node, FieldReader& r, Mesh& mesh) {
  std::string value = mesh.delegationTransport;
  r.readString(node, "mesh.delegation_transport", value);
  if (value == "postgres") {
    r.warn(r.markOf("mesh.delegation_transport"),
           "mesh.delegation_transport: postgres is accepted for RivetOS compatibility, but "
           "rivet-mesh always delegates over http (the agent channel)");
    value = "http";
  } else if (value != "http") {
    r.failAt("mesh.delegation_transport", "expected http or postgres, found " + r.quote(value),
             "Remove the key: rivet-mesh delegates over http");
  }
  mesh.delegationTransport = value;
}

void resolveDefaults(FieldReader& r, Mesh& mesh, bool nodeNameSet, bool advertiseSet) {
  if (!nodeNameSet)
    mesh.nodeName = hostName();
  if (!isNodeName(mesh.nodeName)) {
    std::string from = nodeNameSet ? "" : " (the host name, used as the default)";
    r.failAt("mesh.node_name",
             r.quote(mesh.nodeName) + from +
                 " is not a valid node name: use letters, digits, '.', '-' and '_', starting "
                 "with a letter or digit",
             "It names the certificate files and the DNS name <node_name>.mesh; set "
             "mesh.node_name, e.g. node_name: node-a");
  }
  if (!advertiseSet) {
    std::string origin = "127.0.0.1";
    for (const char* var : {"RIVETOS_HOST", "HOSTNAME"}) {
      std::optional<std::string> v = r.env() ? r.env()(var) : std::nullopt;
      if (v && !v->empty()) {
        mesh.advertiseHost = *v;
        origin = std::string("environment variable ") + var;
        break;
      }
    }
    if (origin == "127.0.0.1")
      mesh.advertiseHost = "127.0.0.1";
    else
      r.checkHost(mesh.advertiseHost, "mesh.advertise_host", origin);
  }
  if (mesh.discovery.seedPort == 0)
    mesh.discovery.seedPort = mesh.agentChannelPort;
  if (!mesh.stateDir.empty()) {
    std::string state = std::filesystem::path(mesh.stateDir).lexically_normal().string();
    std::string shared = std::filesystem::path(mesh.storageDir).lexically_normal().string();
    if (state == shared || state.rfind(shared + "/", 0) == 0)
      r.failAt("mesh.state_dir",
               r.quote(mesh.stateDir) + " is inside mesh.storage_dir " + r.quote(mesh.storageDir) +
                   ", which every node shares",
               "Point mesh.state_dir at a local folder of this node only, e.g. /var/lib/rivet");
  }
}

} // namespace

Mesh readMeshSection(const YAML::Node& node, FieldReader& r) {
  Mesh mesh;
  r.requireMap(node, "mesh", "Write mesh: followed by indented keys such as enabled: false");
  bool nodeNameSet = false, advertiseSet = false;
  YAML::Node tlsNode;
  r.forEachEntry(node, "mesh", kMeshKeys, [&](const std::string& key, const YAML::Node& v) {
    const std::string path = "mesh." + key;
    if (key == "enabled") {
      r.readBool(v, path, mesh.enabled);
    } else if (key == "node_name") {
      r.readString(v, path, mesh.nodeName);
      nodeNameSet = !v.IsNull();
    } else if (key == "advertise_host") {
      r.readHost(v, path, mesh.advertiseHost);
      advertiseSet = !v.IsNull();
    } else if (key == "listen_host") {
      r.readHost(v, path, mesh.listenHost);
    } else if (key == "tls") {
      tlsNode = v; // its default paths need node_name, which may come later
    } else if (key == "agent_channel_port") {
      r.readInt(v, path, 1, 65535, mesh.agentChannelPort);
    } else if (key == "storage_dir") {
      r.readPath(v, path, mesh.storageDir);
    } else if (key == "state_dir") {
      r.readPath(v, path, mesh.stateDir);
    } else if (key == "registry_max_bytes") {
      r.readInt(v, path, 4096, kMaxInt64, mesh.registryMaxBytes);
    } else if (key == "heartbeat_interval_ms") {
      r.readInt(v, path, 1, kMaxInt64, mesh.heartbeatIntervalMs);
    } else if (key == "stale_threshold_ms") {
      r.readInt(v, path, 1, kMaxInt64, mesh.staleThresholdMs);
    } else if (key == "max_chain_depth") {
      r.readInt(v, path, 1, std::numeric_limits<int>::max(), mesh.maxChainDepth);
    } else if (key == "transport") {
      r.readString(v, path, mesh.transport);
      if (!isPluginName(mesh.transport))
        r.failAt(path, r.quote(mesh.transport) + " is not a valid transport name",
                 "Use lower-case letters, digits and '-' ([a-z0-9-]+); mtls loads the plugin "
                 "transport-mtls");
    } else if (key == "default_agent") {
      r.readString(v, path, mesh.defaultAgent, true);
      if (!mesh.defaultAgent.empty() && !isAgentId(mesh.defaultAgent))
        r.failAt(path, r.quote(mesh.defaultAgent) + " is not a valid agent id",
                 "Agent ids use letters, digits, '_', '.' and '-' ([A-Za-z0-9_.-]+)");
    } else if (key == "agent_workers") {
      r.readInt(v, path, 1, 4096, mesh.agentWorkers);
    } else if (key == "delegation_transport") {
      readDelegationTransport(v, r, mesh);
    } else if (key == "channel") {
      mesh.channel = readChannel(v, r);
    } else if (key == "discovery") {
      mesh.discovery = readDiscovery(v, r);
    } else if (key == "peers") {
      mesh.peers = readPeers(v, r);
    } else if (key == "secret") {
      r.warnPlain(r.keyMarkOf(path),
                  "mesh.secret is ignored — agent-channel authentication is mTLS only. Remove "
                  "this key from your config.");
    }
  });
  resolveDefaults(r, mesh, nodeNameSet, advertiseSet);
  readTls(tlsNode, r, mesh);
  return mesh;
}

} // namespace rivet::config
