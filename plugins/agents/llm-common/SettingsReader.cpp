// The settings reader: types, ranges, URLs, the API key variable and ca_path, each refused with
// a message that names the key, what it expects, what it found and what to do.
#include "SettingsReader.hpp"

#include <rivet/sdk/plugin.hpp>

#include <Poco/Exception.h>
#include <Poco/File.h>
#include <Poco/JSON/Parser.h>
#include <Poco/URI.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>

namespace rivet::llm {
namespace {

using Poco::Dynamic::Var;
using sdk::PluginError;

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

} // namespace

SettingsReader::SettingsReader(const std::string& json, const std::vector<std::string>& known,
                               Warn warn)
    : warn_(std::move(warn)) {
  try {
    Poco::JSON::Parser parser;
    Var root = parser.parse(json.empty() ? std::string("{}") : json);
    if (root.type() == typeid(Poco::JSON::Object::Ptr))
      object_ = root.extract<Poco::JSON::Object::Ptr>();
  } catch (const Poco::Exception&) {
  }
  if (!object_)
    throw PluginError("the settings are not a map of keys (base_url, model, ...)");
  std::string list;
  for (const auto& k : known)
    list += (list.empty() ? "" : ", ") + k;
  for (const auto& [key, value] : *object_) {
    (void)value;
    if (key == "api_key")
      warn_("setting 'api_key' is ignored: keep the key out of the configuration, put it in an "
            "environment variable and name that variable with api_key_env");
    else if (std::find(known.begin(), known.end(), key) == known.end())
      warn_("unknown setting '" + key + "' is ignored (known: " + list + ")");
  }
}

std::optional<Var> SettingsReader::valueOf(const std::string& key) const {
  if (!object_->has(key) || object_->isNull(key))
    return std::nullopt;
  return object_->get(key);
}

std::optional<std::string> SettingsReader::string(const std::string& key,
                                                  const std::string& expected) const {
  auto v = valueOf(key);
  if (!v)
    return std::nullopt;
  if (!v->isString())
    throw PluginError(key + " must be " + expected + ", found " + describe(*v));
  return v->convert<std::string>();
}

std::optional<int64_t> SettingsReader::wholeNumber(const std::string& key, const std::string& unit,
                                                   int64_t min) const {
  auto v = valueOf(key);
  if (!v)
    return std::nullopt;
  if (!v->isInteger() || v->isBoolean() || v->convert<int64_t>() < min)
    throw PluginError(key + " must be a whole number of " + unit + ", at least " +
                      std::to_string(min) + ", found " + describe(*v));
  return v->convert<int64_t>();
}

std::optional<bool> SettingsReader::boolean(const std::string& key) const {
  auto v = valueOf(key);
  if (!v)
    return std::nullopt;
  if (!v->isBoolean())
    throw PluginError(key + " must be true or false, found " + describe(*v));
  return v->convert<bool>();
}

std::optional<double> SettingsReader::temperature() const {
  auto t = valueOf("temperature");
  if (!t)
    return std::nullopt;
  if (!t->isNumeric() || t->isBoolean() || !std::isfinite(t->convert<double>()) ||
      t->convert<double>() < 0)
    throw PluginError("temperature must be a number, at least 0 (e.g. 0.7), found " + describe(*t));
  return t->convert<double>();
}

std::string SettingsReader::baseUrl(const std::optional<std::string>& fallback,
                                    const std::string& api, const std::string& example) const {
  std::optional<std::string> value = string("base_url", "an http:// or https:// URL");
  if (!value && fallback)
    value = fallback;
  if (!value || value->empty())
    throw PluginError("base_url is required: set it to the root of " + api + ", " + example);
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

std::string SettingsReader::model(const std::string& example) const {
  auto model = string("model", "a model name");
  if (!model || model->empty())
    throw PluginError("model is required: " + example);
  return *model;
}

ApiKey SettingsReader::apiKey(const std::string& defaultEnv, const std::string& example,
                              const std::string& whatToDo) const {
  ApiKey key;
  auto named = string("api_key_env", "the name of an environment variable");
  if (named && named->empty())
    throw PluginError("api_key_env is empty: name the environment variable that holds the API "
                      "key, e.g. " +
                      example + (defaultEnv.empty() ? ", or remove the setting" : ""));
  key.env = named.value_or(defaultEnv);
  if (key.env.empty())
    return key;
  const char* value = std::getenv(key.env.c_str());
  if (!value || !*value)
    throw PluginError("api_key_env names " + key.env +
                      ", but that environment variable is not set for rivetd: " + whatToDo);
  key.value = value;
  return key;
}

std::string SettingsReader::caPath(const std::string& baseUrl) const {
  std::string path = string("ca_path", "the path of a PEM CA bundle or folder").value_or("");
  if (path.empty())
    return path;
  bool exists = false;
  try {
    exists = Poco::File(path).exists();
  } catch (const Poco::Exception&) {
  }
  if (!exists)
    throw PluginError("ca_path " + path +
                      " does not exist: point it at a PEM CA bundle or a folder of CA "
                      "certificates, or remove it to trust the system's CAs");
  if (baseUrl.rfind("https://", 0) != 0)
    warn_("ca_path is ignored: base_url " + baseUrl + " is plain http");
  return path;
}

ToolLoopSettings SettingsReader::toolLoop() const {
  ToolLoopSettings s;
  s.delegation = boolean("delegation").value_or(s.delegation);
  s.maxToolRounds = wholeNumber("max_tool_rounds", "rounds").value_or(s.maxToolRounds);
  s.maxToolResultBytes =
      wholeNumber("max_tool_result_bytes", "bytes", 1024).value_or(s.maxToolResultBytes);
  s.stream = boolean("stream").value_or(s.stream);
  return s;
}

} // namespace rivet::llm
