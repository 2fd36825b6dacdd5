// Settings of the anthropic agent, with the Messages API's defaults (base_url, anthropic_version,
// max_tokens, ANTHROPIC_API_KEY); the shared rules live in llm-common's SettingsReader.
#include "AnthropicSettings.hpp"

#include "SettingsReader.hpp"

#include <rivet/sdk/plugin.hpp>

namespace rivet::anthropic {

AnthropicSettings AnthropicSettings::fromJson(const std::string& json,
                                              const std::function<void(const std::string&)>& warn) {
  const llm::SettingsReader in(json,
                               {"base_url", "model", "api_key_env", "anthropic_version",
                                "system_prompt", "temperature", "max_tokens", "timeout_ms",
                                "ca_path", "delegation", "max_tool_rounds", "max_tool_result_bytes",
                                "stream"},
                               warn);
  AnthropicSettings s;
  s.baseUrl = in.baseUrl(s.baseUrl, "the Anthropic Messages API",
                         "e.g. https://api.anthropic.com/v1 (the default)");
  s.model = in.model("name a Claude model, e.g. claude-opus-4-1 or claude-sonnet-4-5");
  llm::ApiKey key = in.apiKey(s.apiKeyEnv, "ANTHROPIC_API_KEY",
                              "export it with your Anthropic API key before starting rivetd, or "
                              "set api_key_env to the variable that holds the key");
  s.apiKeyEnv = key.env;
  s.apiKey = key.value;
  if (auto version = in.string("anthropic_version", "a date such as 2023-06-01")) {
    if (version->empty())
      throw sdk::PluginError("anthropic_version is empty: give an API version such as "
                             "2023-06-01, or remove it for the default");
    s.anthropicVersion = *version;
  }
  s.systemPrompt = in.string("system_prompt", "a string").value_or("");
  s.temperature = in.temperature();
  s.maxTokens = in.wholeNumber("max_tokens", "tokens").value_or(s.maxTokens);
  s.timeoutMs = in.wholeNumber("timeout_ms", "milliseconds");
  s.caPath = in.caPath(s.baseUrl);
  s.toolLoop = in.toolLoop();
  return s;
}

} // namespace rivet::anthropic
