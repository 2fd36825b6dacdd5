// echo: answers a task with its own text. For tests, demos and benchmarks; runs inline.
// Configure with `agents: { echo: { plugin: echo } }`.
#include <rivet/sdk/plugin.hpp>

namespace {

class EchoAgent : public rivet::sdk::Agent {
public:
  RIVET_AGENT_FLAGS(RIVET_AGENT_INLINE);
  using Agent::Agent;

  rivet::sdk::AgentInfo describe() const override { return {"echo", ""}; }

  rivet::sdk::TaskResult handle(const rivet::sdk::Task& task) override {
    return rivet::sdk::TaskResult::completed(std::string(task.message()));
  }
};

} // namespace

RIVET_PLUGIN(EchoAgent, "echo", "1.0.0", "Answers every task with its own text")
