// rivetd --check-config past the loader: every check start-up makes on files, plugins and
// settings (TLS material and identity, storage_dir, each required plugin, each agent's settings),
// without starting, listening or touching mesh.json.
#pragma once

#include "app/ProbeHost.hpp"
#include "config/Config.hpp"
#include "config/ConfigPositions.hpp"
#include "plugin/PluginCatalog.hpp"

#include <memory>
#include <string>
#include <vector>

namespace rivet::app {

class ConfigCheck {
public:
  ConfigCheck(const config::Config& config, const config::ConfigPositions& positions);

  // Every problem that would make start-up refuse this configuration, one error line each
  // ("<file>:<line>:<col>: <key>: <problem>. <what to do>."), in the order start-up meets them.
  // Empty when the node would start. Plugin instances are created and destroyed, never started.
  std::vector<std::string> run();

private:
  void loadPlugins();
  bool tlsFilesReadable();
  void checkStorageDir();
  void checkAgents();
  void checkUnconfiguredAgents();
  void checkTransport(bool filesReadable);
  void checkDiscovery();
  // The plugin `name` of `kind`, or null after recording why not under `keyPath`.
  std::shared_ptr<const plugin::LoadedPlugin> required(const std::string& name, rivet_kind kind,
                                                       const std::string& keyPath,
                                                       const std::string& dirs);
  // Creates and destroys one instance: empty, or the plugin's reason for refusing.
  std::string refusalOf(std::shared_ptr<const plugin::LoadedPlugin> p, const std::string& name,
                        const std::string& settingsJson);
  // Records a refusal by a plugin whose message names a key of mesh (mesh.tls.key_path ...).
  void addPluginRefusal(const std::string& pluginName, const std::string& fallbackKey,
                        const std::string& message);
  void add(const std::string& keyPath, const std::string& problem, const std::string& hint);

  const config::Config& config_;
  const config::ConfigPositions& positions_;
  std::string pluginDir_;
  std::string agentsDir_;
  ProbeHost host_;
  plugin::PluginCatalog catalog_;
  std::vector<std::string> errors_;
};

} // namespace rivet::app
