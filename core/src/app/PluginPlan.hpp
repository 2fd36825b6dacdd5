// Which plugins a configuration needs and how start-up finds them, and the settings the
// discovery and transport plugins are given: one definition for the node and for --check-config.
#pragma once

#include "config/Config.hpp"
#include "plugin/PluginCatalog.hpp"

#include <string>
#include <vector>

namespace rivet::app {

// Each agent's plugin, then transport-<name> and discovery-<mode> when the mesh is enabled.
std::vector<std::string> requiredPluginNames(const config::Config& config);

// With an `agents:` section the configuration names every plugin it needs: those are loaded by
// their conventional file names (<name>.so, plugin folder first) and nothing else, which keeps
// start-up quick. When one is not found that way (plugins are known by their descriptor's
// name, not their file name), or without an `agents:` section, both folders are scanned.
void loadConfiguredPlugins(plugin::PluginCatalog& catalog, const config::Config& config,
                           const std::string& pluginDir, const std::string& agentsDir);

// The discovery plugin's settings JSON (mode, node, port, interval, seed, mDNS, peers).
std::string discoverySettingsJson(const config::Mesh& mesh);

// The transport plugin's settings JSON: every key of `mesh.channel`, defaults included, as one
// flat object, e.g. {"io_threads":0,"handshake_timeout_ms":10000,...}.
std::string channelSettingsJson(const config::Mesh& mesh);

} // namespace rivet::app
