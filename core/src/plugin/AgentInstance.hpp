// A running agent: a plugin instance of kind `agent` with its provider/model and a guarded
// handle() that turns any misbehaviour into a `failed` result.
#pragma once

#include "plugin/PluginInstance.hpp"

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

namespace rivet::plugin {

struct TaskInput {
  std::string fromAgent;
  std::string message;
  std::string model;
  uint32_t chainDepth = 0;
  int64_t timeoutMs = 120000;
};

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
  const std::string& pluginName() const { return pluginName_; }
  bool isInline() const { return (ops_->flags & RIVET_AGENT_INLINE) != 0; }

  // Runs the task on the calling thread. `cancelled` is what the agent sees as is_cancelled.
  TaskOutput handle(const TaskInput& in, const std::atomic<bool>& cancelled) const;

  void stop() { instance_->stop(); }

private:
  std::unique_ptr<PluginInstance> instance_;
  const rivet_agent_ops* ops_;
  std::string pluginName_;
  std::string provider_;
  std::string model_;
};

} // namespace rivet::plugin
