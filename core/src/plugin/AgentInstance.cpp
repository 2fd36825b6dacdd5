// Calls into an agent plugin's describe() and handle().
#include "plugin/AgentInstance.hpp"

#include "util/JsonText.hpp"

#include <Poco/JSON/Parser.h>

namespace rivet::plugin {
namespace {

rivet_str str(const std::string& s) {
  return {s.data(), s.size()};
}

void append(void* ctx, const char* data, size_t len) {
  static_cast<std::string*>(ctx)->append(data, len);
}

} // namespace

AgentInstance::AgentInstance(std::unique_ptr<PluginInstance> instance)
    : instance_(std::move(instance)),
      ops_(static_cast<const rivet_agent_ops*>(instance_->plugin().ops())),
      pluginName_(instance_->plugin().name()) {
  std::string json;
  rivet_writer w{&json, &append};
  try {
    ops_->describe(instance_->instance(), &w);
    auto obj = Poco::JSON::Parser().parse(json).extract<Poco::JSON::Object::Ptr>();
    provider_ = obj->optValue<std::string>("provider", pluginName_);
    model_ = obj->optValue<std::string>("model", "");
    description_ = obj->optValue<std::string>("description", "");
    constexpr size_t kMaxDescription = 1000;
    if (description_.size() > kMaxDescription)
      description_ = std::string(util::utf8Bytes(description_, kMaxDescription)) + "...";
  } catch (...) {
    provider_ = pluginName_; // describe() is informative only; a bad answer is not fatal
  }
}

TaskOutput AgentInstance::handle(const TaskContext& in, const std::string& message,
                                 const std::string& model) const {
  const std::string path = in.pathJson();
  rivet_task task{};
  task.struct_size = sizeof(rivet_task);
  task.agent_id = str(id());
  task.from_agent = str(in.fromAgent);
  task.message = str(message);
  task.model = str(model);
  task.chain_depth = static_cast<uint32_t>(in.depth);
  task.timeout_ms = in.timeoutMs;
  task.host_data = const_cast<TaskContext*>(&in);
  task.is_cancelled = [](const rivet_task* t) -> int {
    return static_cast<const TaskContext*>(t->host_data)->cancelled() ? 1 : 0;
  };
  task.path_json = str(path);
  task.deadline_ms = in.deadlineEpochMs;
  task.from_node = str(in.fromNode);
  task.task_id = str(in.taskId);
  task.trace_id = str(in.traceId);
  struct Running {
    std::atomic<int>& n;
    explicit Running(std::atomic<int>& count) : n(count) { ++n; }
    ~Running() { --n; }
  } running(running_);
  TaskOutput out;
  rivet_writer w{&out.text, &append};
  try {
    out.status = ops_->handle(instance_->instance(), &task, &w);
  } catch (const std::exception& e) {
    return {RIVET_TASK_FAILED,
            "agent '" + id() + "' threw a C++ exception across the plugin ABI: " + e.what()};
  } catch (...) {
    return {RIVET_TASK_FAILED, "agent '" + id() + "' threw an exception across the plugin ABI"};
  }
  if (out.status > RIVET_TASK_REJECTED)
    return {RIVET_TASK_FAILED, "agent '" + id() + "' returned an unknown status " +
                                   std::to_string(static_cast<int>(out.status))};
  return out;
}

} // namespace rivet::plugin
