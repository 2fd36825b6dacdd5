// openai: an agent that answers tasks through any OpenAI-compatible chat-completions API
// (OpenAI, Ollama, llama.cpp's server, vLLM), over HTTP or HTTPS. Configure with
// `agents: { opus: { plugin: openai, base_url: http://127.0.0.1:11434/v1, model: llama3.1:8b } }`.
#include "ChatClient.hpp"
#include "OpenAiSettings.hpp"

#include <rivet/sdk/plugin.hpp>

#include <Poco/Net/SSLManager.h>

#include <chrono>
#include <string>
#include <utility>

namespace rivet::openai {
namespace {

constexpr int64_t kFallbackTimeoutMs = 120000; // when neither the task nor timeout_ms sets one

// Poco's SSL library is reference-counted: one reference per agent instance.
struct SslLibrary {
  SslLibrary() { Poco::Net::initializeSSL(); }
  ~SslLibrary() { Poco::Net::uninitializeSSL(); }
  SslLibrary(const SslLibrary&) = delete;
  SslLibrary& operator=(const SslLibrary&) = delete;
};

class OpenAiAgent : public sdk::Agent {
public:
  explicit OpenAiAgent(const sdk::Host& host)
      : Agent(host),
        settings_(OpenAiSettings::fromJson(host.configJson(),
                                           [&host](const std::string& m) {
                                             host.warn("agents." + host.instanceName() + ": " + m);
                                           })),
        client_(settings_) {}

  void start() override {
    host().info("agent " + host().instanceName() + " sends tasks to " + client_.endpoint() +
                " (provider " + settings_.provider + ", model " + settings_.model + ")");
  }

  sdk::AgentInfo describe() const override { return {settings_.provider, settings_.model}; }

  sdk::TaskResult handle(const sdk::Task& task) override {
    ChatRequest request;
    request.model = task.model().empty() ? settings_.model : std::string(task.model());
    request.systemPrompt = settings_.systemPrompt;
    request.userMessage = std::string(task.message());
    request.temperature = settings_.temperature;
    request.maxTokens = settings_.maxTokens;

    auto [budget, source] = deadlineFor(task.timeoutMs());
    return client_.complete(request, budget, source, [&task] { return task.cancelled(); });
  }

private:
  // min(task deadline, timeout_ms), and which of them it is, for the timeout message.
  std::pair<std::chrono::milliseconds, std::string> deadlineFor(int64_t taskTimeoutMs) const {
    if (taskTimeoutMs > 0 && (!settings_.timeoutMs || taskTimeoutMs <= *settings_.timeoutMs))
      return {std::chrono::milliseconds(taskTimeoutMs), "task deadline"};
    if (settings_.timeoutMs)
      return {std::chrono::milliseconds(*settings_.timeoutMs), "timeout_ms"};
    return {std::chrono::milliseconds(kFallbackTimeoutMs), "default deadline"};
  }

  SslLibrary ssl_; // first: outlives the TLS context in client_
  OpenAiSettings settings_;
  ChatClient client_;
};

} // namespace
} // namespace rivet::openai

RIVET_PLUGIN(rivet::openai::OpenAiAgent, "openai", "1.0.0",
             "Answers tasks through an OpenAI-compatible chat-completions API (OpenAI, Ollama, "
             "llama.cpp, vLLM)")
