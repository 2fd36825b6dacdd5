// The openai agent's settings (its `agents:` entry), read and checked once at create time so
// that a mistake refuses the agent with a message naming the key instead of failing every task.
#pragma once

#include "ToolLoop.hpp"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

namespace rivet::openai {

struct OpenAiSettings {
  std::string baseUrl; // as configured, without a trailing '/'
  std::string model;
  std::string apiKeyEnv; // empty: no Authorization header
  std::string apiKey;    // the value of apiKeyEnv at create time; never logged
  std::string systemPrompt;
  std::optional<double> temperature;
  std::optional<int64_t> maxTokens;
  std::optional<int64_t> timeoutMs;
  std::string provider = "openai";
  std::string caPath; // empty: the system's trusted CAs
  llm::ToolLoopSettings toolLoop;

  bool https() const { return baseUrl.rfind("https://", 0) == 0; }

  /// Reads settings from a JSON object text. Throws sdk::PluginError naming the key and what
  /// it expects; reports unknown or ignored keys through `warn`.
  static OpenAiSettings fromJson(const std::string& json,
                                 const std::function<void(const std::string&)>& warn);
};

} // namespace rivet::openai
