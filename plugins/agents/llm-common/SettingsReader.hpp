// Reads an LLM agent's settings (a JSON object) with messages that name the key, say what it
// expects and what was found; the keys both agents share are read here the same way.
#pragma once

#include "ToolLoop.hpp"

#include <Poco/JSON/Object.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace rivet::llm {

/// The API key: which variable holds it and its value (never logged).
struct ApiKey {
  std::string env; // empty: none
  std::string value;
};

class SettingsReader {
public:
  using Warn = std::function<void(const std::string&)>;

  /// Throws sdk::PluginError when `json` is not an object; warns about keys not in `known`
  /// (and about `api_key`, which must never be in a configuration).
  SettingsReader(const std::string& json, const std::vector<std::string>& known, Warn warn);

  /// A string, or nullopt when absent or null.
  std::optional<std::string> string(const std::string& key, const std::string& expected) const;
  /// A whole number of `unit`, at least `min`.
  std::optional<int64_t> wholeNumber(const std::string& key, const std::string& unit,
                                     int64_t min = 1) const;
  std::optional<bool> boolean(const std::string& key) const;
  /// A number, at least 0.
  std::optional<double> temperature() const;
  /// base_url without trailing '/', http(s) with a host; `fallback` when absent (or required).
  /// `api` ("an OpenAI-compatible API") and `example` ("e.g. https://...") go into messages.
  std::string baseUrl(const std::optional<std::string>& fallback, const std::string& api,
                      const std::string& example) const;
  /// model, required, non-empty.
  std::string model(const std::string& example) const;
  /// api_key_env (or `defaultEnv`) and that variable's value; a variable that is not set
  /// refuses the agent, saying `whatToDo`.
  ApiKey apiKey(const std::string& defaultEnv, const std::string& example,
                const std::string& whatToDo) const;
  /// ca_path, which must exist; warned about when `baseUrl` is plain http.
  std::string caPath(const std::string& baseUrl) const;
  /// delegation, max_tool_rounds (>= 1), max_tool_result_bytes (>= 1024), stream.
  ToolLoopSettings toolLoop() const;

private:
  std::optional<Poco::Dynamic::Var> valueOf(const std::string& key) const;

  Poco::JSON::Object::Ptr object_;
  Warn warn_;
};

} // namespace rivet::llm
