// Loads one plugin file and checks its descriptor against this host's ABI, refusing every
// malformed, incompatible or misbehaving plugin with a message that names the file.
#pragma once

#include "rivet/sdk/abi.h"

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>

namespace rivet::plugin {

class LoadError : public std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Largest plugin file accepted: a bound on what is copied, well above any real plugin.
constexpr uint64_t kMaxPluginBytes = uint64_t{512} << 20;

class PrivateCopies;

// A loaded, checked plugin file. The library is never unloaded (see ARCHITECTURE.md).
struct LoadedPlugin {
  std::string path;       // the file as found in the plugin folder
  std::string mappedPath; // our private copy of it, which dlopen mapped
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

// Opens `path` (a regular file of at most kMaxPluginBytes), copies it into `copies`, checks the
// copy's ELF headers, loads the copy in a probe process (PluginProbe.hpp) and only then here:
// dlopen(RTLD_NOW | RTLD_LOCAL) + the descriptor checks. Throws LoadError naming `path`.
std::shared_ptr<const LoadedPlugin> loadPlugin(const std::string& path, PrivateCopies& copies);
// The same with copies in a folder of this process's, removed at exit (rivetctl, tests).
std::shared_ptr<const LoadedPlugin> loadPlugin(const std::string& path);

// The in-process part: dlopen of `file`, the entry point and the descriptor checks, with
// messages naming `shownPath`. Run on a file that passed the probe (or inside the probe).
const rivet_plugin_descriptor* openPluginFile(const std::string& shownPath, const std::string& file,
                                              void** handle);

} // namespace rivet::plugin
