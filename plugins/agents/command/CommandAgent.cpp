// command: runs a configured program (argv, no shell) per task, the task on its stdin and its
// stdout as the answer, so that any CLI tool can be an agent. See README.md in this folder.
// Configure with `agents: { reviewer: { plugin: command, argv: ["/usr/bin/python3", "r.py"] } }`.
#include "ChildEnvironment.hpp"
#include "CommandReport.hpp"
#include "CommandRun.hpp"
#include "CommandSettings.hpp"

#include <rivet/sdk/json.hpp>
#include <rivet/sdk/plugin.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace rivet::command {
namespace {

// The tighter of the task's deadline and the agent's timeout_ms; 0 when neither is set.
int64_t effectiveDeadline(int64_t taskMs, int64_t settingMs) {
  if (taskMs <= 0)
    return settingMs;
  return settingMs > 0 && settingMs < taskMs ? settingMs : taskMs;
}

class CommandAgent : public sdk::Agent {
public:
  explicit CommandAgent(const sdk::Host& host)
      : Agent(host), settings_(CommandSettings::parse(host.configJson())),
        baseEnv_(ChildEnvironment::ofThisProcess()),
        nodeName_(sdk::json::tryParse(host.nodeInfoJson())
                      .value_or(sdk::json::Value::object())
                      .getString("node_name")
                      .value_or("")) {
    for (const auto& key : settings_.unknownKeys)
      host.warn("agent '" + host.instanceName() + "': ignoring unknown setting '" + key +
                "'; the command plugin reads argv, timeout_ms, max_output_bytes, kill_grace_ms, "
                "cwd, env, provider and model");
  }

  sdk::AgentInfo describe() const override { return {settings_.provider, settings_.model}; }

  sdk::TaskResult handle(const sdk::Task& task) override {
    const int64_t deadlineMs = effectiveDeadline(task.timeoutMs(), settings_.timeoutMs);
    // Each line the program writes to stderr is a progress line of the task.
    CommandRun run(
        settings_, environmentFor(task), task.message(), deadlineMs,
        [&task] { return task.cancelled(); },
        settings_.stderrProgress ? LineSink([this, &task](std::string_view line) {
          host().progress(task.raw, "status", line);
        })
                                 : LineSink());
    return reportOutcome(run.run(), settings_.argv[0], deadlineMs, settings_.maxOutputBytes);
  }

private:
  std::vector<std::string> environmentFor(const sdk::Task& task) const {
    ChildEnvironment env = baseEnv_;
    env.set("RIVET_FROM_AGENT", task.fromAgent());
    env.set("RIVET_MODEL", task.model().empty() ? std::string_view(settings_.model) : task.model());
    env.set("RIVET_CHAIN_DEPTH", std::to_string(task.chainDepth()));
    env.set("RIVET_AGENT_ID",
            task.agentId().empty() ? host().instanceName() : std::string(task.agentId()));
    env.set("RIVET_FROM_NODE", task.fromNode());
    env.set("RIVET_NODE", nodeName_);
    env.set("RIVET_TIMEOUT_MS", std::to_string(task.timeoutMs()));
    env.set("RIVET_DEADLINE_MS", std::to_string(task.deadlineMs()));
    // The program may delegate as part of this task (rivetctl delegate) while it runs.
    std::string credential;
    if (host().taskCredential(task.raw, credential)) {
      auto c = sdk::json::tryParse(credential);
      if (c && c->getString("socket") && c->getString("token")) {
        env.set("RIVET_DELEGATE_SOCKET", *c->getString("socket"));
        env.set("RIVET_TASK_TOKEN", *c->getString("token"));
      }
    } else {
      host().debug("agent '" + host().instanceName() +
                   "': its program cannot delegate: " + credential);
    }
    for (const auto& [name, value] : settings_.env)
      env.set(name, value);
    return env.entries();
  }

  const CommandSettings settings_;
  const ChildEnvironment baseEnv_;
  const std::string nodeName_;
};

} // namespace
} // namespace rivet::command

RIVET_PLUGIN(rivet::command::CommandAgent, "command", "1.0.0",
             "Runs a configured program per task: the task on stdin, stdout as the answer")
