// `agents:` entries: id and plugin-name rules, settings converted by YamlJson.
// Unknown keys inside an entry are the plugin's business, so no warnings here.
#include "config/AgentsSection.hpp"

#include "config/NameRules.hpp"
#include "config/YamlJson.hpp"

namespace rivet::config {
namespace {

AgentSpec readAgent(const std::string& id, const YAML::Node& node, FieldReader& r) {
  const std::string path = "agents." + id;
  AgentSpec agent;
  agent.id = id;
  if (!isAgentId(id)) {
    r.fail(r.keyMarkOf(path), path,
           r.quote(id) + " is not a valid agent id: use only letters, digits, '_', '.' "
                         "and '-' ([A-Za-z0-9_.-]+)",
           "Rename the agent");
  }
  if (!node.IsNull() && !node.IsMap()) {
    r.fail(node.Mark(), path,
           "expected a map with plugin: and the plugin's settings, found " + r.describe(node),
           "Write " + id + ": {plugin: <plugin name>}, e.g. " + id + ": {plugin: echo}");
  }
  YamlEntries settings;
  bool hasPlugin = false;
  r.forEachEntry(node, path, {}, [&](const std::string& key, const YAML::Node& value) {
    if (key != "plugin") {
      settings.emplace_back(key, value);
      return;
    }
    hasPlugin = !value.IsNull();
    r.readString(value, path + ".plugin", agent.plugin);
  });
  if (!hasPlugin) {
    r.fail(r.keyMarkOf(path), path + ".plugin",
           "missing: every agent names the plugin that runs it",
           "Add plugin: <plugin name> to agents." + id + ", e.g. plugin: echo");
  }
  if (!isPluginName(agent.plugin)) {
    r.failAt(path + ".plugin",
             r.quote(agent.plugin) + " is not a valid plugin name: use lower-case letters, "
                                     "digits and '-' ([a-z0-9-]+)",
             "Write the plugin's name as its descriptor gives it, e.g. plugin: echo");
  }
  agent.settingsJson = yamlEntriesToJson(settings, path, r);
  return agent;
}

} // namespace

std::vector<AgentSpec> readAgentsSection(const YAML::Node& node, FieldReader& r) {
  std::vector<AgentSpec> agents;
  r.requireMap(node, "agents",
               "Write agents: as a map from agent id to its settings, e.g. echo: {plugin: echo}");
  r.forEachEntry(node, "agents", {}, [&](const std::string& id, const YAML::Node& value) {
    agents.push_back(readAgent(id, value, r));
  });
  return agents;
}

} // namespace rivet::config
