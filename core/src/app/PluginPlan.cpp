// Named loading with a scan as the fallback, and the discovery and channel settings.
#include "app/PluginPlan.hpp"

#include "config/ChannelSection.hpp"
#include "plugin/PluginLoader.hpp"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include <filesystem>
#include <sstream>

namespace rivet::app {
namespace {

bool loadNamed(plugin::PluginCatalog& catalog, const std::vector<std::string>& names,
               const std::string& pluginDir, const std::string& agentsDir) {
  for (const auto& name : names) {
    // The shipped folder first, as the scan does: a dropped file never shadows a shipped one.
    for (const std::string& dir : {pluginDir, agentsDir}) {
      std::string path = dir + "/" + name + ".so";
      if (catalog.find(name) || catalog.hasPath(path) || !std::filesystem::exists(path))
        continue;
      try {
        catalog.add(path, dir == agentsDir && agentsDir != pluginDir);
      } catch (const plugin::LoadError&) {
        return false; // the scan reports it
      }
    }
    if (!catalog.find(name))
      return false;
  }
  return true;
}

} // namespace

std::vector<std::string> requiredPluginNames(const config::Config& config) {
  std::vector<std::string> names;
  for (const auto& a : config.agents)
    names.push_back(a.plugin);
  if (config.mesh.enabled) {
    names.push_back("transport-" + config.mesh.transport);
    if (!config.mesh.discovery.mode.empty())
      names.push_back("discovery-" + config.mesh.discovery.mode);
  }
  return names;
}

void loadConfiguredPlugins(plugin::PluginCatalog& catalog, const config::Config& config,
                           const std::string& pluginDir, const std::string& agentsDir) {
  if (config.agentsSectionPresent &&
      loadNamed(catalog, requiredPluginNames(config), pluginDir, agentsDir))
    return;
  catalog.scan(pluginDir, false);
  if (agentsDir != pluginDir)
    catalog.scan(agentsDir, true);
}

std::string discoverySettingsJson(const config::Mesh& mesh) {
  Poco::JSON::Object settings(Poco::JSON_PRESERVE_KEY_ORDER);
  settings.set("mode", mesh.discovery.mode);
  settings.set("node_name", mesh.nodeName);
  settings.set("port", mesh.agentChannelPort);
  settings.set("heartbeat_interval_ms", mesh.heartbeatIntervalMs);
  settings.set("seed_host", mesh.discovery.seedHost);
  settings.set("seed_port", mesh.discovery.seedPort);
  settings.set("mdns_service", mesh.discovery.mdnsService);
  Poco::JSON::Array peers;
  for (const auto& p : mesh.peers) {
    Poco::JSON::Object peer(Poco::JSON_PRESERVE_KEY_ORDER);
    peer.set("name", p.name);
    peer.set("host", p.host);
    peer.set("port", p.port);
    peers.add(peer);
  }
  settings.set("peers", peers);
  std::ostringstream out;
  settings.stringify(out);
  return out.str();
}

std::string channelSettingsJson(const config::Mesh& mesh) {
  Poco::JSON::Object settings(Poco::JSON_PRESERVE_KEY_ORDER);
  config::forEachChannelKey(mesh.channel,
                            [&](const char* key, int64_t, int64_t, const auto& value) {
                              settings.set(key, static_cast<Poco::Int64>(value));
                            });
  std::ostringstream out;
  settings.stringify(out);
  return out.str();
}

} // namespace rivet::app
