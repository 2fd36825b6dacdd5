// Dropped agent plugins: the rules of docs/agents.md "Dropping in a new agent plugin", the same
// at start-up and while rivetd runs.
#include "app/Node.hpp"

#include "log/Log.hpp"
#include "plugin/AgentFactory.hpp"

#include <filesystem>
#include <set>

namespace rivet::app {
namespace fs = std::filesystem;
namespace {

std::string absolute(const std::string& path) {
  std::error_code ec;
  auto p = fs::absolute(path, ec);
  return ec ? path : p.lexically_normal().string();
}

bool sameFolder(const std::string& a, const std::string& b) {
  return fs::path(absolute(a)).lexically_normal() == fs::path(absolute(b)).lexically_normal();
}

} // namespace

void Node::hotDrop(const std::string& path) {
  if (catalog_.hasPath(path)) {
    log::get("Plugins")->warn("'{}' changed, but that plugin is already loaded; restart rivetd "
                              "to load the new version",
                              path);
    return;
  }
  startDroppedAgent(path, false);
}

bool Node::startDroppedAgent(const std::string& path, bool atStartUp) {
  auto logger = log::get("Plugins");
  std::shared_ptr<const plugin::LoadedPlugin> loaded;
  try {
    loaded = catalog_.add(path, true);
  } catch (const plugin::LoadError& e) {
    logger->warn("refused dropped plugin file: {} (fix the file and copy it again)", e.what());
    return false;
  }
  if (!loaded)
    return false; // not an agent plugin; the catalog said so
  if (agents_.find(loaded->name())) {
    logger->warn("dropped plugin '{}' ({}) is not started: an agent named {} already runs here",
                 loaded->name(), path, loaded->name());
    return false;
  }
  try {
    auto agent = plugin::createAgent(loaded, *this, loaded->name(), "{}");
    agents_.add(agent);
    if (membership_)
      membership_->agentsChanged(); // announced in the registry at once
    announceSelf();
    log::get("Agents")->info("Agent {} {} {} (plugin {} {}, provider {}{}{})", agent->id(),
                             atStartUp ? "started again from dropped plugin file"
                                       : "hot-loaded from",
                             path, loaded->name(), loaded->version(), agent->provider(),
                             agent->model().empty() ? "" : ", model ", agent->model());
    if (!atStartUp && !dropped_->enabled())
      logger->info("agent {} runs until rivetd stops; set mesh.state_dir for it to start again "
                   "after a restart",
                   agent->id());
    dropped_->remember({absolute(path), loaded->name()});
    return true;
  } catch (const plugin::InstanceError& e) {
    logger->warn("dropped plugin {} loaded, but its agent did not start without settings: {}; "
                 "add it under agents: and restart",
                 path, e.what());
    return false;
  }
}

void Node::droppedFileRemoved(const std::string& path) {
  auto logger = log::get("Plugins");
  bool remembered = dropped_->forget(absolute(path));
  std::string name = catalog_.nameAt(path);
  if (name.empty()) {
    logger->debug("plugin file {} was removed (it was not loaded)", path);
    return;
  }
  // A loaded library is never unloaded: its code may still be on a stack.
  if (remembered)
    logger->warn("plugin file {} was removed: agent {} runs on from rivetd's private copy until "
                 "rivetd stops, and does not start again",
                 path, name);
  else
    logger->warn("plugin file {} was removed: plugin {} runs on from rivetd's private copy until "
                 "rivetd stops; the next start-up needs the file if rivet.yaml names the plugin",
                 path, name);
}

void Node::restartDroppedAgents() {
  auto logger = log::get("Plugins");
  std::set<std::string> remembered;
  for (const auto& entry : dropped_->load()) {
    remembered.insert(entry.file);
    std::error_code ec;
    if (!fs::is_regular_file(entry.file, ec)) {
      logger->info("dropped agent {} is not started again: its file {} is gone", entry.plugin,
                   entry.file);
      dropped_->forget(entry.file);
    } else if (!sameFolder(fs::path(entry.file).parent_path().string(), agentsDir_)) {
      logger->info("dropped agent {} is not started again: its file {} is not in "
                   "plugins.agents_dir ({}) any more",
                   entry.plugin, entry.file, agentsDir_);
      dropped_->forget(entry.file);
    } else if (catalog_.hasPath(entry.file)) {
      continue; // loaded by start-up already (named in rivet.yaml, or found by the scan)
    } else if (!startDroppedAgent(entry.file, true)) {
      dropped_->forget(entry.file);
    }
  }
  if (!config_.agentsSectionPresent || sameFolder(agentsDir_, pluginDir_))
    return; // the scan loaded the whole folder, or the folder holds the shipped plugins too
  std::string unused;
  size_t count = 0;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(agentsDir_, ec)) {
    const std::string file = entry.path().string();
    if (entry.path().extension() != ".so" || catalog_.hasPath(file) ||
        remembered.count(absolute(file)))
      continue;
    if (++count <= 20)
      unused += (unused.empty() ? "" : ", ") + entry.path().filename().string();
  }
  if (count > 0)
    logger->info("not loaded from {}: {}{} (rivet.yaml's agents: does not name {} and {} not "
                 "hot-dropped; name it under agents:, or copy it in again while rivetd runs)",
                 agentsDir_, unused, count > 20 ? ", ..." : "", count == 1 ? "it" : "them",
                 count == 1 ? "it was" : "they were");
}

} // namespace rivet::app
