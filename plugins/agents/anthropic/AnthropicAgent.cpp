// anthropic: an agent that answers tasks through Anthropic's Messages API, delegating through the
// delegate_task tool. Configure with `agents: { opus: { plugin: anthropic, model: claude-opus-4-1 }
// }` and ANTHROPIC_API_KEY in rivetd's environment.
#include "AnthropicSettings.hpp"
#include "HttpJsonClient.hpp"
#include "MessagesConversation.hpp"
#include "SslLibrary.hpp"
#include "ToolLoop.hpp"

#include <rivet/sdk/plugin.hpp>

#include <string>

namespace rivet::anthropic {
namespace {

class AnthropicAgent : public sdk::Agent {
public:
  explicit AnthropicAgent(const sdk::Host& host)
      : Agent(host),
        settings_(AnthropicSettings::fromJson(host.configJson(),
                                              [&host](const std::string& m) {
                                                host.warn("agents." + host.instanceName() + ": " +
                                                          m);
                                              })),
        client_(settings_.baseUrl, "/messages", settings_.caPath, "rivet-mesh-anthropic/1.1"),
        loop_(this->host(), client_,
              {{"x-api-key", settings_.apiKey}, {"anthropic-version", settings_.anthropicVersion}},
              settings_.toolLoop) {}

  void start() override {
    host().info("agent " + host().instanceName() + " sends tasks to " + client_.endpoint() +
                " (model " + settings_.model + ", key from " + settings_.apiKeyEnv +
                (settings_.toolLoop.delegation ? ", may delegate" : ", delegation off") +
                (settings_.toolLoop.stream ? ", streamed" : ", stream off") + ")");
  }

  sdk::AgentInfo describe() const override { return {"anthropic", settings_.model}; }

  sdk::TaskResult handle(const sdk::Task& task) override {
    MessagesConversation conversation(
        settings_, task.model().empty() ? settings_.model : std::string(task.model()),
        llm::ToolLoop::userContent(task));
    return loop_.run(task, conversation, settings_.timeoutMs);
  }

private:
  llm::SslLibrary ssl_; // first: outlives the TLS context in client_
  AnthropicSettings settings_;
  llm::HttpJsonClient client_;
  llm::ToolLoop loop_;
};

} // namespace
} // namespace rivet::anthropic

RIVET_PLUGIN(rivet::anthropic::AnthropicAgent, "anthropic", "1.1.0",
             "Answers tasks through Anthropic's Messages API and delegates with the delegate_task "
             "tool")
