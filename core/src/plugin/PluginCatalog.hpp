// The plugins found in the plugin folders, indexed by descriptor name, each mapped from a private
// copy. Broken files are kept as failures (path and message) so a required plugin's error shows.
#pragma once

#include "plugin/PluginLoader.hpp"
#include "plugin/PrivateCopies.hpp"

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace rivet::plugin {

class PluginCatalog {
public:
  struct Failure {
    std::string path;
    std::string message;
  };

  PluginCatalog(); // starts the probe process, ready by the time the first file is loaded

  // Where the private copies of loaded plugins go: mesh.state_dir ("" keeps $TMPDIR or /tmp).
  // Call before the first scan or add; the copies' folder is removed with the catalog.
  void useStateDir(const std::string& stateDir);

  // The folder of the shipped plugins (plugins.dir). A plugin loaded from the agents folder may
  // not take the name of a file there (<dir>/<name>.so), whether that file is loaded or not, so
  // a dropped file never replaces a shipped plugin: refused alike at start-up and at run time.
  void setShippedDir(const std::string& dir) { shippedDir_ = dir; }

  // Loads every `*.so` in `dir`, in file-name order. With `agentsOnly`, plugins of other kinds
  // are ignored with a WARN. Each broken file is logged at WARN and recorded as a failure.
  void scan(const std::string& dir, bool agentsOnly);

  // Loads one file (hot-drop). Throws LoadError, including for a duplicate name.
  std::shared_ptr<const LoadedPlugin> add(const std::string& path, bool agentsOnly);

  std::shared_ptr<const LoadedPlugin> find(const std::string& name) const;
  std::vector<std::shared_ptr<const LoadedPlugin>> ofKind(rivet_kind kind) const; // name order
  std::vector<Failure> failures() const;
  bool hasPath(const std::string& path) const;
  // The plugin name loaded from `path`; "" when none (not loaded, or ignored there).
  std::string nameAt(const std::string& path) const;

  // A message for "required plugin NAME is not available", naming the folder and any broken
  // file that may have been it.
  std::string missingMessage(const std::string& name, const std::string& dir) const;

private:
  PrivateCopies copies_; // declared first: destroyed after the plugins mapped from it
  mutable std::mutex mutex_;
  std::map<std::string, std::shared_ptr<const LoadedPlugin>> byName_;
  std::map<std::string, std::string> byPath_; // canonical path -> name ("" if ignored)
  std::vector<Failure> failures_;
  std::string shippedDir_;
};

} // namespace rivet::plugin
