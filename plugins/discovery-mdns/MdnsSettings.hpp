// The mdns plugin's settings: its config section from the host, with the node's identity from
// node_info() filling any gap, checked once at create time.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace rivet::mdns {

struct MdnsSettings {
  std::string nodeName;                      // published as the instance name and TXT node=
  int port = 0;                              // the agent channel port: SRV port and TXT port=
  std::string serviceType = "_rivetos._tcp"; // mesh.discovery.mdns_service
  std::string version;                       // TXT version=
  int64_t heartbeatIntervalMs = 30000;

  // Reads configJson ({"node_name","port","mdns_service","heartbeat_interval_ms",...}); missing
  // keys come from nodeInfoJson. Throws sdk::PluginError naming what is missing or wrong.
  static MdnsSettings parse(std::string_view configJson, std::string_view nodeInfoJson);
};

} // namespace rivet::mdns
