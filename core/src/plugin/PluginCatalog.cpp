// Folder scanning and name lookup for plugins.
#include "plugin/PluginCatalog.hpp"

#include "log/Log.hpp"
#include "plugin/PluginProbe.hpp"

#include <algorithm>
#include <filesystem>

namespace rivet::plugin {
namespace fs = std::filesystem;

namespace {
std::string canonical(const std::string& path) {
  std::error_code ec;
  auto p = fs::weakly_canonical(path, ec);
  return ec ? path : p.string();
}
} // namespace

PluginCatalog::PluginCatalog() {
  startProbeServer();
}

void PluginCatalog::useStateDir(const std::string& stateDir) {
  copies_.setParent(stateDir);
}

void PluginCatalog::scan(const std::string& dir, bool agentsOnly) {
  std::error_code ec;
  std::vector<std::string> files;
  for (const auto& entry : fs::directory_iterator(dir, ec))
    if (entry.path().extension() == ".so")
      files.push_back(entry.path().string());
  if (ec) {
    log::get("Plugins")->warn("cannot read plugin folder {}: {}; check plugins.dir / "
                              "plugins.agents_dir",
                              dir, ec.message());
    return;
  }
  std::sort(files.begin(), files.end());
  for (const auto& file : files) {
    if (hasPath(file))
      continue;
    try {
      add(file, agentsOnly);
    } catch (const LoadError& e) {
      log::get("Plugins")->warn("skipping plugin file: {}", e.what());
      std::lock_guard<std::mutex> lock(mutex_);
      failures_.push_back({file, e.what()});
    }
  }
}

std::shared_ptr<const LoadedPlugin> PluginCatalog::add(const std::string& path, bool agentsOnly) {
  auto plugin = loadPlugin(path, copies_);
  std::lock_guard<std::mutex> lock(mutex_);
  if (agentsOnly && plugin->kind() != RIVET_KIND_AGENT) {
    log::get("Plugins")->warn("ignoring '{}' in the agents folder: it is a {} plugin ({}); put "
                              "transport and discovery plugins in plugins.dir",
                              path, kindName(plugin->kind()), plugin->name());
    byPath_[canonical(path)] = "";
    return nullptr;
  }
  auto existing = byName_.find(plugin->name());
  const std::string shipped = shippedDir_ + "/" + plugin->name() + ".so";
  std::error_code ec;
  if (existing == byName_.end() && agentsOnly && !shippedDir_.empty() && fs::exists(shipped, ec) &&
      canonical(shipped) != canonical(path)) {
    std::string message = "'" + path + "' declares plugin name '" + plugin->name() +
                          "', which the shipped plugin '" + shipped +
                          "' has; a dropped plugin cannot replace a shipped one: give it a name "
                          "of its own (its descriptor's name) or remove the file";
    unloadRefused(*plugin);
    copies_.discard(plugin->mappedPath);
    throw LoadError(message);
  }
  if (existing != byName_.end()) {
    std::string message = "'" + path + "' declares plugin name '" + plugin->name() +
                          "', already provided by '" + existing->second->path +
                          "'; remove one of the two files";
    unloadRefused(*plugin); // the descriptor's strings are gone after this
    copies_.discard(plugin->mappedPath);
    throw LoadError(message);
  }
  byName_[plugin->name()] = plugin;
  byPath_[canonical(path)] = plugin->name();
  return plugin;
}

std::shared_ptr<const LoadedPlugin> PluginCatalog::find(const std::string& name) const {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = byName_.find(name);
  return it == byName_.end() ? nullptr : it->second;
}

std::vector<std::shared_ptr<const LoadedPlugin>> PluginCatalog::ofKind(rivet_kind kind) const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<std::shared_ptr<const LoadedPlugin>> out;
  for (const auto& [name, p] : byName_)
    if (p->kind() == kind)
      out.push_back(p);
  return out;
}

std::vector<PluginCatalog::Failure> PluginCatalog::failures() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return failures_;
}

bool PluginCatalog::hasPath(const std::string& path) const {
  std::lock_guard<std::mutex> lock(mutex_);
  return byPath_.count(canonical(path)) > 0;
}

std::string PluginCatalog::nameAt(const std::string& path) const {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = byPath_.find(canonical(path));
  return it == byPath_.end() ? "" : it->second;
}

std::string PluginCatalog::missingMessage(const std::string& name, const std::string& dir) const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::string msg = "no plugin named '" + name + "' in " + dir;
  for (const auto& f : failures_)
    if (fs::path(f.path).stem() == name)
      return msg + ": " + f.message;
  std::string found;
  for (const auto& [n, p] : byName_)
    found += (found.empty() ? "" : ", ") + n;
  return msg + " (found: " + (found.empty() ? "none" : found) +
         "); install it there or set plugins.dir";
}

} // namespace rivet::plugin
