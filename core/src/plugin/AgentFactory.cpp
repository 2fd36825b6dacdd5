// Agent instances from configuration and from the plugin catalog.
#include "plugin/AgentFactory.hpp"

#include "log/Log.hpp"

namespace rivet::plugin {

std::shared_ptr<AgentInstance> createAgent(std::shared_ptr<const LoadedPlugin> plugin,
                                           HostServices& services, const std::string& id,
                                           const std::string& settingsJson) {
  std::string component = plugin->name();
  auto instance =
      std::make_unique<PluginInstance>(std::move(plugin), services, id, component, settingsJson);
  instance->create();
  instance->start();
  return std::make_shared<AgentInstance>(std::move(instance));
}

void createConfiguredAgents(const config::Config& config, const PluginCatalog& catalog,
                            const std::string& pluginDirs, HostServices& services,
                            AgentSet& agents) {
  auto logger = log::get("Agents");
  if (config.agentsSectionPresent) {
    for (const auto& spec : config.agents) {
      auto plugin = catalog.find(spec.plugin);
      if (!plugin)
        throw InstanceError("agents." + spec.id +
                            ".plugin: " + catalog.missingMessage(spec.plugin, pluginDirs));
      if (plugin->kind() != RIVET_KIND_AGENT)
        throw InstanceError("agents." + spec.id + ".plugin: '" + spec.plugin + "' (" +
                            plugin->path + ") is a " + kindName(plugin->kind()) +
                            " plugin, not an agent");
      agents.add(createAgent(plugin, services, spec.id, spec.settingsJson));
    }
  } else {
    for (const auto& plugin : catalog.ofKind(RIVET_KIND_AGENT)) {
      try {
        agents.add(createAgent(plugin, services, plugin->name(), "{}"));
      } catch (const InstanceError& e) {
        logger->info("not starting agent plugin '{}' without settings ({}); give it an entry "
                     "under agents: to use it",
                     plugin->name(), e.what());
      }
    }
  }
  for (const auto& a : agents.list())
    logger->info("Agent {} ready (plugin {}, provider {}{}{})", a->id(), a->pluginName(),
                 a->provider(), a->model().empty() ? "" : ", model ", a->model());
  if (!config.mesh.defaultAgent.empty()) {
    if (!agents.find(config.mesh.defaultAgent))
      throw InstanceError("mesh.default_agent: no agent '" + config.mesh.defaultAgent +
                          "' on this node; choose one of the agents under agents:");
    agents.setDefault(config.mesh.defaultAgent);
  }
}

} // namespace rivet::plugin
