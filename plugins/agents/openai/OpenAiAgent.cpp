// openai: an agent that answers tasks through any OpenAI-compatible chat-completions API
// (OpenAI, xAI, Ollama, llama.cpp's server, vLLM), delegating through the delegate_task tool.
// Configure with `agents: { local: { plugin: openai, base_url: http://127.0.0.1:11434/v1, model:
// llama3.1:8b } }`.
#include "ChatConversation.hpp"
#include "HttpJsonClient.hpp"
#include "OpenAiSettings.hpp"
#include "SslLibrary.hpp"
#include "ToolLoop.hpp"

#include <rivet/sdk/plugin.hpp>

#include <string>

namespace rivet::openai {
namespace {

llm::Headers headersFor(const OpenAiSettings& s) {
  if (s.apiKey.empty())
    return {};
  return {{"Authorization", "Bearer " + s.apiKey}};
}

class OpenAiAgent : public sdk::Agent {
public:
  explicit OpenAiAgent(const sdk::Host& host)
      : Agent(host),
        settings_(OpenAiSettings::fromJson(host.configJson(),
                                           [&host](const std::string& m) {
                                             host.warn("agents." + host.instanceName() + ": " + m);
                                           })),
        client_(settings_.baseUrl, "/chat/completions", settings_.caPath, "rivet-mesh-openai/1.2"),
        loop_(this->host(), client_, headersFor(settings_), settings_.toolLoop) {}

  void start() override {
    host().info("agent " + host().instanceName() + " sends tasks to " + client_.endpoint() +
                " (provider " + settings_.provider + ", model " + settings_.model +
                (settings_.toolLoop.delegation ? ", may delegate" : ", delegation off") +
                (settings_.toolLoop.stream ? ", streamed" : ", stream off") + ")");
  }

  sdk::AgentInfo describe() const override { return {settings_.provider, settings_.model}; }

  sdk::TaskResult handle(const sdk::Task& task) override {
    ChatConversation conversation(
        settings_, task.model().empty() ? settings_.model : std::string(task.model()),
        llm::ToolLoop::userContent(task));
    return loop_.run(task, conversation, settings_.timeoutMs);
  }

private:
  llm::SslLibrary ssl_; // first: outlives the TLS context in client_
  OpenAiSettings settings_;
  llm::HttpJsonClient client_;
  llm::ToolLoop loop_;
};

} // namespace
} // namespace rivet::openai

RIVET_PLUGIN(rivet::openai::OpenAiAgent, "openai", "1.2.0",
             "Answers tasks through an OpenAI-compatible chat-completions API (OpenAI, xAI, "
             "Ollama, llama.cpp, vLLM) and delegates with the delegate_task tool")
