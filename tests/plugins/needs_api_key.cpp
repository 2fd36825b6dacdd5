// needs-api-key.so: a correct C++ SDK agent that refuses to be created without an api_key setting,
// as a provider agent does; the host must pass the plugin's own reason on to the user.
#include <rivet/sdk/plugin.hpp>

namespace {

class NeedsApiKeyAgent : public rivet::sdk::Agent {
public:
  explicit NeedsApiKeyAgent(const rivet::sdk::Host& host) : Agent(host) {
    // A real agent parses its settings; a substring is enough for a fixture.
    if (host.configJson().find("\"api_key\"") == std::string::npos)
      throw rivet::sdk::PluginError("needs an api_key setting: add api_key under this agent's "
                                    "entry in agents:");
  }

  rivet::sdk::AgentInfo describe() const override { return {"fixture", "keyed-1"}; }

  rivet::sdk::TaskResult handle(const rivet::sdk::Task& task) override {
    return rivet::sdk::TaskResult::completed(std::string(task.message()));
  }
};

} // namespace

RIVET_PLUGIN(NeedsApiKeyAgent, "needs-api-key", "1.0.0", "Refuses to start without api_key")
