// Creates the node's agents from `agents:` (each entry required) or, without that section, one
// instance of every agent plugin that starts without settings.
#pragma once

#include "config/Config.hpp"
#include "plugin/AgentSet.hpp"
#include "plugin/PluginCatalog.hpp"

namespace rivet::plugin {

// Creates and starts one agent instance; throws InstanceError.
std::shared_ptr<AgentInstance> createAgent(std::shared_ptr<const LoadedPlugin> plugin,
                                           HostServices& services, const std::string& id,
                                           const std::string& settingsJson);

// Fills `agents` per the configuration. A configured agent that cannot be created is fatal
// (InstanceError naming the agent, its plugin and the reason).
void createConfiguredAgents(const config::Config& config, const PluginCatalog& catalog,
                            const std::string& pluginDirs, HostServices& services,
                            AgentSet& agents);

} // namespace rivet::plugin
