// Settings of the openai agent: types, ranges and the API key, checked with messages that say
// which key is wrong and what it expects.
#include "OpenAiSettings.hpp"

#include <rivet/sdk/plugin.hpp>

#include <Poco/Exception.h>
#include <Poco/File.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/URI.h>

#include <cmath>
#include <cstdlib>
#include <set>

namespace rivet::openai {
namespace {

using Poco::Dynamic::Var;
using sdk::PluginError;

const std::set<std::string> kKnownKeys = {"base_url",      "model",       "api_key_env",
                                          "system_prompt", "temperature", "max_tokens",
                                          "timeout_ms",    "provider",    "ca_path"};

// How a JSON value reads in a message: `the string "x"`, `the number 3`, `a list`.
std::string describe(const Var& v) {
  if (v.isEmpty())
    return "null";
  if (v.isString())
    return "the string \"" + v.convert<std::string>() + "\"";
  if (v.isBoolean())
    return v.convert<bool>() ? "true" : "false";
  if (v.isNumeric())
    return "the number " + v.convert<std::string>();
  if (v.type() == typeid(Poco::JSON::Array::Ptr))
    return "a list";
  if (v.type() == typeid(Poco::JSON::Object::Ptr))
    return "a map";
  return "a value of another type";
}

// A present, non-null value of `key`, or nothing.
std::optional<Var> valueOf(const Poco::JSON::Object& o, const std::string& key) {
  if (!o.has(key) || o.isNull(key))
    return std::nullopt;
  return o.get(key);
}

std::optional<std::string> stringOf(const Poco::JSON::Object& o, const std::string& key,
                                    const std::string& expected) {
  auto v = valueOf(o, key);
  if (!v)
    return std::nullopt;
  if (!v->isString())
    throw PluginError(key + " must be " + expected + ", found " + describe(*v));
  return v->convert<std::string>();
}

std::optional<int64_t> positiveIntOf(const Poco::JSON::Object& o, const std::string& key,
                                     const std::string& unit) {
  auto v = valueOf(o, key);
  if (!v)
    return std::nullopt;
  if (!v->isInteger() || v->isBoolean() || v->convert<int64_t>() < 1)
    throw PluginError(key + " must be a whole number of " + unit + ", at least 1, found " +
                      describe(*v));
  return v->convert<int64_t>();
}

std::string checkedBaseUrl(std::optional<std::string> value) {
  const std::string example = "e.g. http://127.0.0.1:11434/v1 (Ollama) or "
                              "https://api.openai.com/v1";
  if (!value || value->empty())
    throw PluginError("base_url is required: set it to the root of an OpenAI-compatible API, " +
                      example);
  std::string url = *value;
  while (!url.empty() && url.back() == '/')
    url.pop_back();
  Poco::URI uri;
  try {
    uri = Poco::URI(url);
  } catch (const Poco::Exception& e) {
    throw PluginError("base_url '" + *value + "' is not a valid URL (" + e.displayText() + "), " +
                      example);
  }
  if (uri.getScheme() != "http" && uri.getScheme() != "https")
    throw PluginError("base_url '" + *value + "' must start with http:// or https://, " + example);
  if (uri.getHost().empty())
    throw PluginError("base_url '" + *value + "' names no host, " + example);
  if (!uri.getFragment().empty())
    throw PluginError("base_url '" + *value + "' must not have a #fragment, " + example);
  return url;
}

void checkKnownKeys(const Poco::JSON::Object& o,
                    const std::function<void(const std::string&)>& warn) {
  for (const auto& [key, value] : o) {
    (void)value;
    if (key == "api_key")
      warn("setting 'api_key' is ignored: keep the key out of the configuration, put it in an "
           "environment variable and name that variable with api_key_env");
    else if (!kKnownKeys.count(key))
      warn("unknown setting '" + key +
           "' is ignored (known: base_url, model, api_key_env, system_prompt, temperature, "
           "max_tokens, timeout_ms, provider, ca_path)");
  }
}

} // namespace

OpenAiSettings OpenAiSettings::fromJson(const std::string& json,
                                        const std::function<void(const std::string&)>& warn) {
  Poco::JSON::Object::Ptr o;
  try {
    Poco::JSON::Parser parser;
    Var root = parser.parse(json.empty() ? std::string("{}") : json);
    if (root.type() == typeid(Poco::JSON::Object::Ptr))
      o = root.extract<Poco::JSON::Object::Ptr>();
  } catch (const Poco::Exception&) {
  }
  if (!o)
    throw PluginError("the settings are not a map of keys (base_url, model, ...)");
  checkKnownKeys(*o, warn);

  OpenAiSettings s;
  s.baseUrl = checkedBaseUrl(stringOf(*o, "base_url", "an http:// or https:// URL"));
  auto model = stringOf(*o, "model", "a model name");
  if (!model || model->empty())
    throw PluginError("model is required: name the model the server runs, e.g. llama3.1:8b or "
                      "gpt-4o-mini");
  s.model = *model;

  s.apiKeyEnv = stringOf(*o, "api_key_env", "the name of an environment variable").value_or("");
  if (o->has("api_key_env") && !o->isNull("api_key_env") && s.apiKeyEnv.empty())
    throw PluginError("api_key_env is empty: name the environment variable that holds the API "
                      "key, e.g. OPENAI_API_KEY, or remove the setting");
  if (!s.apiKeyEnv.empty()) {
    const char* key = std::getenv(s.apiKeyEnv.c_str());
    if (!key || !*key)
      throw PluginError("api_key_env names " + s.apiKeyEnv +
                        ", but that environment variable is not set for rivetd: export it "
                        "before starting rivetd, or remove api_key_env for a server without keys");
    s.apiKey = key;
  }

  s.systemPrompt = stringOf(*o, "system_prompt", "a string").value_or("");

  if (auto t = valueOf(*o, "temperature")) {
    if (!t->isNumeric() || t->isBoolean() || !std::isfinite(t->convert<double>()) ||
        t->convert<double>() < 0)
      throw PluginError("temperature must be a number, at least 0 (e.g. 0.7), found " +
                        describe(*t));
    s.temperature = t->convert<double>();
  }
  s.maxTokens = positiveIntOf(*o, "max_tokens", "tokens");
  s.timeoutMs = positiveIntOf(*o, "timeout_ms", "milliseconds");

  if (auto provider = stringOf(*o, "provider", "a label such as ollama or openai")) {
    if (provider->empty())
      throw PluginError("provider is empty: give a label such as ollama or openai, or remove it");
    s.provider = *provider;
  }

  s.caPath = stringOf(*o, "ca_path", "the path of a PEM CA bundle or folder").value_or("");
  if (!s.caPath.empty()) {
    bool exists = false;
    try {
      exists = Poco::File(s.caPath).exists();
    } catch (const Poco::Exception&) {
    }
    if (!exists)
      throw PluginError("ca_path " + s.caPath +
                        " does not exist: point it at a PEM CA bundle or a folder of CA "
                        "certificates, or remove it to trust the system's CAs");
    if (!s.https())
      warn("ca_path is ignored: base_url " + s.baseUrl + " is plain http");
  }
  return s;
}

} // namespace rivet::openai
