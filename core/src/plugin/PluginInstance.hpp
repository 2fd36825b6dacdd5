// One instance of a loaded plugin with its host context: create, start, stop and destroy, each
// call across the ABI guarded so that a misbehaving plugin yields an error, never a crash.
#pragma once

#include "plugin/HostContext.hpp"
#include "plugin/PluginLoader.hpp"

#include <memory>
#include <stdexcept>
#include <string>

namespace rivet::plugin {

class InstanceError : public std::runtime_error {
  using std::runtime_error::runtime_error;
};

class PluginInstance {
public:
  PluginInstance(std::shared_ptr<const LoadedPlugin> plugin, HostServices& services,
                 std::string instanceName, std::string component, std::string configJson);
  ~PluginInstance(); // stops if started, then destroys
  PluginInstance(const PluginInstance&) = delete;
  PluginInstance& operator=(const PluginInstance&) = delete;

  // Both throw InstanceError with the plugin's own message and where it came from.
  void create();
  void start();
  void stop();

  const LoadedPlugin& plugin() const { return *plugin_; }
  const std::string& name() const { return context_.instanceName(); }
  void* instance() const { return instance_; }
  // "agent 'opus' (plugin 'openai', /path/openai.so)"
  std::string describe() const;

private:
  std::shared_ptr<const LoadedPlugin> plugin_;
  HostContext context_;
  void* instance_ = nullptr;
  bool started_ = false;
};

} // namespace rivet::plugin
