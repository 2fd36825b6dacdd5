// Reads the seed discovery settings; every refusal names the `mesh.` key and says what to set.
#include "SeedSettings.hpp"

#include <rivet/sdk/plugin.hpp>

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

namespace rivet::discovery_seed {
namespace {

using Poco::Dynamic::Var;
using sdk::PluginError;

std::string shown(const Var& v) {
  if (v.isString())
    return "'" + v.extract<std::string>() + "'";
  try {
    return v.toString();
  } catch (const Poco::Exception&) {
    return "a " + std::string(v.isArray() ? "list" : "map");
  }
}

// A whole number in [min, max] from a JSON integer or a string of digits; `fallback` if absent.
int64_t number(const Poco::JSON::Object& o, const std::string& key, const std::string& shownKey,
               int64_t min, int64_t max, int64_t fallback) {
  const Var v = o.get(key);
  if (v.isEmpty())
    return fallback;
  int64_t n = min - 1;
  if (v.isInteger() && !v.isBoolean()) {
    n = v.convert<Poco::Int64>();
  } else if (v.isString()) {
    const std::string s = v.extract<std::string>();
    if (!s.empty() && s.size() <= 15 && s.find_first_not_of("0123456789") == std::string::npos)
      n = std::stoll(s);
  }
  if (n < min || n > max)
    throw PluginError(shownKey + " must be a whole number from " + std::to_string(min) + " to " +
                      std::to_string(max) + ", got " + shown(v));
  return n;
}

Poco::JSON::Object::Ptr parseObject(const std::string& json) {
  try {
    Poco::JSON::Parser parser;
    Var v = parser.parse(json.empty() ? "{}" : json);
    if (v.type() == typeid(Poco::JSON::Object::Ptr))
      return v.extract<Poco::JSON::Object::Ptr>();
  } catch (const Poco::Exception& e) {
    throw PluginError("discovery-seed settings are not valid JSON: " + e.displayText());
  }
  throw PluginError("discovery-seed settings must be a JSON object");
}

} // namespace

SeedSettings SeedSettings::parse(const std::string& json) {
  const auto o = parseObject(json);
  SeedSettings s;
  const Var host = o->get("seed_host");
  if (host.isString())
    s.seedHost = host.extract<std::string>();
  if (s.seedHost.empty())
    throw PluginError("mesh.discovery.seed_host is required when mesh.discovery.mode is seed; "
                      "set it to the address of a running node, e.g. seed_host: node-a.mesh");
  const Var name = o->get("node_name");
  if (name.isString())
    s.nodeName = name.extract<std::string>();
  const int64_t ownPort = number(*o, "port", "mesh.agent_channel_port", 1, 65535, 3000);
  // 0 means "not set", as in the core's configuration: the seed listens where this node does.
  const int64_t seedPort = number(*o, "seed_port", "mesh.discovery.seed_port", 0, 65535, 0);
  s.seedPort = static_cast<int>(seedPort == 0 ? ownPort : seedPort);
  s.heartbeatIntervalMs = number(*o, "heartbeat_interval_ms", "mesh.heartbeat_interval_ms", 1,
                                 INT64_C(86400000), 30000);
  return s;
}

} // namespace rivet::discovery_seed
