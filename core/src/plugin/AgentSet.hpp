// The agents this node hosts, in configuration order, with the default agent. Safe to read
// while an agent is added (hot-drop).
#pragma once

#include "plugin/AgentInstance.hpp"

#include <memory>
#include <shared_mutex>
#include <string>
#include <vector>

namespace rivet::plugin {

class AgentSet {
public:
  void add(std::shared_ptr<AgentInstance> agent);
  std::shared_ptr<AgentInstance> find(const std::string& id) const;
  // mesh.default_agent if set and present, else the first agent; null when there is none.
  std::shared_ptr<AgentInstance> defaultAgent() const;
  std::vector<std::shared_ptr<AgentInstance>> list() const;
  std::vector<std::string> ids() const;
  void setDefault(const std::string& id);
  // Stops every agent, last added first.
  void stopAll();

private:
  mutable std::shared_mutex mutex_;
  std::vector<std::shared_ptr<AgentInstance>> agents_;
  std::string defaultId_;
};

} // namespace rivet::plugin
