// The anthropic agent's settings (its `agents:` entry), read and checked once at create time;
// only `model` is required, and the key comes from the variable api_key_env names.
#pragma once

#include "ToolLoop.hpp"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

namespace rivet::anthropic {

struct AnthropicSettings {
  std::string baseUrl = "https://api.anthropic.com/v1"; // without a trailing '/'
  std::string model;
  std::string apiKeyEnv = "ANTHROPIC_API_KEY";
  std::string apiKey; // the value of apiKeyEnv at create time; never logged
  std::string anthropicVersion = "2023-06-01";
  std::string systemPrompt;
  std::optional<double> temperature;
  int64_t maxTokens = 4096;
  std::optional<int64_t> timeoutMs;
  std::string caPath; // empty: the system's trusted CAs
  llm::ToolLoopSettings toolLoop;

  /// Reads settings from a JSON object text. Throws sdk::PluginError naming the key and what
  /// it expects; reports unknown or ignored keys through `warn`.
  static AnthropicSettings fromJson(const std::string& json,
                                    const std::function<void(const std::string&)>& warn);
};

} // namespace rivet::anthropic
