// Loads one plugin file and checks its descriptor against this host's ABI, refusing every
// malformed, incompatible or misbehaving plugin with a message that names the file.
#pragma once

#include "rivet/sdk/abi.h"

#include <memory>
#include <stdexcept>
#include <string>

namespace rivet::plugin {

class LoadError : public std::runtime_error {
  using std::runtime_error::runtime_error;
};

// A loaded, checked plugin file. The library is never unloaded (see ARCHITECTURE.md).
struct LoadedPlugin {
  std::string path;
  void* handle = nullptr;
  const rivet_plugin_descriptor* descriptor = nullptr;

  std::string name() const { return descriptor->name; }
  rivet_kind kind() const { return static_cast<rivet_kind>(descriptor->kind); }
  std::string version() const { return descriptor->version ? descriptor->version : ""; }
  std::string description() const { return descriptor->description ? descriptor->description : ""; }
  std::string abiVersion() const;
  const void* ops() const { return descriptor->ops; }
};

// "transport", "discovery", "agent" or "unknown".
std::string kindName(uint32_t kind);
// "1.0" ... the range this host accepts: "1.0–1.<minor>".
std::string hostAbiRange();
bool isValidPluginName(const std::string& name);

// Unloads a checked plugin that was refused before any instance was created (duplicate name).
void unloadRefused(const LoadedPlugin& plugin);

// dlopen(RTLD_NOW | RTLD_LOCAL) + the descriptor checks. Throws LoadError.
std::shared_ptr<const LoadedPlugin> loadPlugin(const std::string& path);

} // namespace rivet::plugin
