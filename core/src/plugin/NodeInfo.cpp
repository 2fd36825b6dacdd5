// Builds node_info() from the configuration.
#include "plugin/NodeInfo.hpp"

#include <Poco/JSON/Object.h>
#include <sstream>

namespace rivet::plugin {

std::string nodeInfoJson(const config::Config& config) {
  const auto& mesh = config.mesh;
  Poco::JSON::Object info(Poco::JSON_PRESERVE_KEY_ORDER);
  info.set("node_name", mesh.nodeName);
  info.set("advertise_host", mesh.advertiseHost);
  info.set("listen_host", mesh.listenHost);
  info.set("port", mesh.agentChannelPort);
  info.set("version", std::string(RIVET_VERSION));
  info.set("mesh_enabled", mesh.enabled);
  info.set("heartbeat_interval_ms", mesh.heartbeatIntervalMs);
  Poco::JSON::Object tls(Poco::JSON_PRESERVE_KEY_ORDER);
  tls.set("ca_path", mesh.tls.caPath);
  tls.set("cert_path", mesh.tls.certPath);
  tls.set("key_path", mesh.tls.keyPath);
  tls.set("crl_path", mesh.tls.crlPath);
  info.set("tls", tls);
  if (config.a2a.enabled) { // ABI 1.5: the transport opens the A2A listener
    Poco::JSON::Object a2a(Poco::JSON_PRESERVE_KEY_ORDER);
    a2a.set("listen_host", config.a2a.address);
    a2a.set("port", config.a2a.port);
    a2a.set("cert_path", config.a2a.certPath.empty() ? mesh.tls.certPath : config.a2a.certPath);
    a2a.set("key_path", config.a2a.keyPath.empty() ? mesh.tls.keyPath : config.a2a.keyPath);
    info.set("a2a", a2a);
  }
  std::ostringstream out;
  info.stringify(out);
  return out.str();
}

} // namespace rivet::plugin
