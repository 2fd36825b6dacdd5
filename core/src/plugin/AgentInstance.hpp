// A running agent: a plugin instance of kind `agent` with its provider/model and a guarded
// handle() that turns any misbehaviour into a `failed` result.
#pragma once

#include "plugin/PluginInstance.hpp"
#include "plugin/TaskContext.hpp"

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

namespace rivet::plugin {

struct TaskOutput {
  rivet_task_status status = RIVET_TASK_FAILED;
  std::string text;
};

class AgentInstance {
public:
  // Takes a created and started instance of an agent plugin; reads its description.
  explicit AgentInstance(std::unique_ptr<PluginInstance> instance);

  const std::string& id() const { return instance_->name(); }
  const std::string& provider() const { return provider_; }
  const std::string& model() const { return model_; }
  const std::string& description() const { return description_; } // "" when none given
  const std::string& pluginName() const { return pluginName_; }
  bool isInline() const { return (ops_->flags & RIVET_AGENT_INLINE) != 0; }

  // Runs `message` as the task `task` on the calling thread; the agent sees task.cancelled()
  // as is_cancelled, and `task` as host_data (LiveTasks finds it by that).
  TaskOutput handle(const TaskContext& task, const std::string& message,
                    const std::string& model) const;

  // True while handle() runs on some thread.
  bool busy() const { return running_.load() > 0; }
  void stop() { instance_->stop(); }

private:
  std::unique_ptr<PluginInstance> instance_;
  const rivet_agent_ops* ops_;
  std::string pluginName_;
  std::string provider_;
  std::string model_;
  std::string description_;
  mutable std::atomic<int> running_{0};
};

} // namespace rivet::plugin
