// Ordered, lock-protected list of the node's agents.
#include "plugin/AgentSet.hpp"

#include "log/Log.hpp"

#include <mutex>

namespace rivet::plugin {

void AgentSet::add(std::shared_ptr<AgentInstance> agent) {
  std::unique_lock lock(mutex_);
  agents_.push_back(std::move(agent));
}

std::shared_ptr<AgentInstance> AgentSet::find(const std::string& id) const {
  std::shared_lock lock(mutex_);
  for (const auto& a : agents_)
    if (a->id() == id)
      return a;
  return nullptr;
}

std::shared_ptr<AgentInstance> AgentSet::defaultAgent() const {
  std::shared_lock lock(mutex_);
  if (!defaultId_.empty())
    for (const auto& a : agents_)
      if (a->id() == defaultId_)
        return a;
  return agents_.empty() ? nullptr : agents_.front();
}

std::vector<std::shared_ptr<AgentInstance>> AgentSet::list() const {
  std::shared_lock lock(mutex_);
  return agents_;
}

std::vector<std::string> AgentSet::ids() const {
  std::shared_lock lock(mutex_);
  std::vector<std::string> out;
  for (const auto& a : agents_)
    out.push_back(a->id());
  return out;
}

void AgentSet::setDefault(const std::string& id) {
  std::unique_lock lock(mutex_);
  defaultId_ = id;
}

void AgentSet::stopAll() {
  std::vector<std::shared_ptr<AgentInstance>> agents = list();
  for (auto it = agents.rbegin(); it != agents.rend(); ++it) {
    // A plugin's stop() must never run while its handle() still does; a task that ignored its
    // cancellation keeps the plugin as it is until the process ends.
    if ((*it)->busy()) {
      log::get("Agents")->warn("agent {} still runs a task that ignored its cancellation; its "
                               "plugin is not stopped",
                               (*it)->id());
      continue;
    }
    (*it)->stop();
  }
}

} // namespace rivet::plugin
