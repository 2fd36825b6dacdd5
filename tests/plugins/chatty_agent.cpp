// chatty.so: reports each character of its task as a `text` progress event, as fast as it can,
// then one `tool` event, then answers with the task id and trace id it was given (ABI 1.3). It
// shows that streamed text survives the host's rate limit whole and in order.
#include <rivet/sdk/plugin.hpp>

namespace {

class ChattyAgent : public rivet::sdk::Agent {
public:
  using Agent::Agent;

  rivet::sdk::AgentInfo describe() const override { return {"fixture", "chatty-1"}; }

  rivet::sdk::TaskResult handle(const rivet::sdk::Task& task) override {
    for (char c : task.message())
      host().progress(task.raw, "text", std::string(1, c));
    host().progress(task.raw, "tool", "delegate_task → nobody: a fixture");
    bool unknownKindRefused = !host().progress(task.raw, "shout", "x");
    return rivet::sdk::TaskResult::completed(
        "task=" + std::string(task.taskId()) + " trace=" + std::string(task.traceId()) +
        (unknownKindRefused ? " kinds-checked" : " kinds-unchecked"));
  }
};

} // namespace

RIVET_PLUGIN(ChattyAgent, "chatty", "1.0.0", "Reports its task as streamed text")
