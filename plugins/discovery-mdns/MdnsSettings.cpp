// Settings from two JSON objects: the plugin's own section first, node_info() as the fallback.
#include "MdnsSettings.hpp"

#include <rivet/sdk/plugin.hpp>

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <avahi-common/domain.h>

namespace rivet::mdns {
namespace {

Poco::JSON::Object::Ptr object(std::string_view text, const char* what) {
  if (text.empty())
    return new Poco::JSON::Object;
  try {
    auto parsed = Poco::JSON::Parser().parse(std::string(text));
    if (auto obj = parsed.extract<Poco::JSON::Object::Ptr>())
      return obj;
  } catch (const std::exception& e) {
    throw sdk::PluginError(std::string("discovery-mdns: the host's ") + what +
                           " is not a JSON object: " + e.what());
  }
  throw sdk::PluginError(std::string("discovery-mdns: the host's ") + what +
                         " is not a JSON object");
}

template <class T>
T pick(const Poco::JSON::Object& primary, const Poco::JSON::Object& fallback, const char* key,
       T otherwise) {
  try {
    if (primary.has(key) && !primary.isNull(key))
      return primary.getValue<T>(key);
    if (fallback.has(key) && !fallback.isNull(key))
      return fallback.getValue<T>(key);
  } catch (const std::exception& e) {
    throw sdk::PluginError(std::string("discovery-mdns: setting '") + key +
                           "' has the wrong type: " + e.what());
  }
  return otherwise;
}

} // namespace

MdnsSettings MdnsSettings::parse(std::string_view configJson, std::string_view nodeInfoJson) {
  auto config = object(configJson, "configuration");
  auto info = object(nodeInfoJson, "node_info");
  MdnsSettings s;
  s.nodeName = pick<std::string>(*config, *info, "node_name", "");
  s.port = pick<int>(*config, *info, "port", 0);
  s.serviceType = pick<std::string>(*config, *info, "mdns_service", s.serviceType);
  if (s.serviceType.empty())
    s.serviceType = "_rivetos._tcp";
  s.version = pick<std::string>(*config, *info, "version", "unknown");
  s.heartbeatIntervalMs =
      pick<int64_t>(*config, *info, "heartbeat_interval_ms", s.heartbeatIntervalMs);
  if (s.nodeName.empty())
    throw sdk::PluginError("discovery-mdns: no node_name in the plugin configuration or "
                           "node_info; set mesh.node_name");
  if (s.port < 1 || s.port > 65535)
    throw sdk::PluginError("discovery-mdns: port " + std::to_string(s.port) +
                           " is not a TCP port; set mesh.agent_channel_port (1-65535)");
  if (!avahi_is_valid_service_type_strict(s.serviceType.c_str()))
    throw sdk::PluginError("discovery-mdns: '" + s.serviceType +
                           "' is not a DNS-SD service type; write mesh.discovery.mdns_service "
                           "as _name._tcp (default _rivetos._tcp)");
  return s;
}

} // namespace rivet::mdns
