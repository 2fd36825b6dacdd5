// The plugins found in the plugin folders, indexed by descriptor name. Broken files are kept
// as failures (path and loader message) so that a required plugin's error can be shown.
#pragma once

#include "plugin/PluginLoader.hpp"

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

  // Loads every `*.so` in `dir`, in file-name order. With `agentsOnly`, plugins of other kinds
  // are ignored with a WARN. Each broken file is logged at WARN and recorded as a failure.
  void scan(const std::string& dir, bool agentsOnly);

  // Loads one file (hot-drop). Throws LoadError, including for a duplicate name.
  std::shared_ptr<const LoadedPlugin> add(const std::string& path, bool agentsOnly);

  std::shared_ptr<const LoadedPlugin> find(const std::string& name) const;
  std::vector<std::shared_ptr<const LoadedPlugin>> ofKind(rivet_kind kind) const; // name order
  std::vector<Failure> failures() const;
  bool hasPath(const std::string& path) const;

  // A message for "required plugin NAME is not available", naming the folder and any broken
  // file that may have been it.
  std::string missingMessage(const std::string& name, const std::string& dir) const;

private:
  mutable std::mutex mutex_;
  std::map<std::string, std::shared_ptr<const LoadedPlugin>> byName_;
  std::map<std::string, std::string> byPath_; // canonical path -> name ("" if ignored)
  std::vector<Failure> failures_;
};

} // namespace rivet::plugin
