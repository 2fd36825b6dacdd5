// Settings of the openai agent: types, ranges and the API key, checked with messages that say
// which key is wrong and what it expects (the shared rules live in llm-common's SettingsReader).
#include "OpenAiSettings.hpp"

#include "SettingsReader.hpp"

#include <rivet/sdk/plugin.hpp>

namespace rivet::openai {

OpenAiSettings OpenAiSettings::fromJson(const std::string& json,
                                        const std::function<void(const std::string&)>& warn) {
  const llm::SettingsReader in(json,
                               {"base_url", "model", "api_key_env", "system_prompt", "temperature",
                                "max_tokens", "timeout_ms", "provider", "ca_path", "delegation",
                                "max_tool_rounds", "max_tool_result_bytes", "stream"},
                               warn);
  OpenAiSettings s;
  s.baseUrl = in.baseUrl(std::nullopt, "an OpenAI-compatible API",
                         "e.g. http://127.0.0.1:11434/v1 (Ollama) or https://api.openai.com/v1");
  s.model = in.model("name the model the server runs, e.g. llama3.1:8b or gpt-4o-mini");
  llm::ApiKey key = in.apiKey("", "OPENAI_API_KEY",
                              "export it before starting rivetd, or remove api_key_env for a "
                              "server without keys");
  s.apiKeyEnv = key.env;
  s.apiKey = key.value;
  s.systemPrompt = in.string("system_prompt", "a string").value_or("");
  s.temperature = in.temperature();
  s.maxTokens = in.wholeNumber("max_tokens", "tokens");
  s.timeoutMs = in.wholeNumber("timeout_ms", "milliseconds");
  if (auto provider = in.string("provider", "a label such as ollama or openai")) {
    if (provider->empty())
      throw sdk::PluginError(
          "provider is empty: give a label such as ollama or openai, or remove it");
    s.provider = *provider;
  }
  s.caPath = in.caPath(s.baseUrl);
  s.toolLoop = in.toolLoop();
  return s;
}

} // namespace rivet::openai
