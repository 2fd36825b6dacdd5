// Reads `mesh.peers` for the static discovery plugin; every refusal names the entry and the key.
#include "StaticPeers.hpp"

#include <rivet/sdk/plugin.hpp>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <set>
#include <sstream>

namespace rivet::discovery_static {
namespace {

using Poco::Dynamic::Var;
using sdk::PluginError;

constexpr const char* kExample = "e.g. peers: [{name: node-b, host: 10.0.0.2, port: 3000}]";

std::string text(const Poco::JSON::Object& o, const std::string& key) {
  const Var v = o.get(key);
  return v.isString() ? v.extract<std::string>() : std::string();
}

// A port from a JSON integer or a string of digits (what ${VAR} substitution yields).
int port(const Poco::JSON::Object& o, const std::string& where) {
  const Var v = o.get("port");
  if (v.isEmpty())
    return 3000;
  long long n = -1;
  if (v.isInteger() && !v.isBoolean()) {
    n = v.convert<Poco::Int64>();
  } else if (v.isString()) {
    const std::string s = v.extract<std::string>();
    if (!s.empty() && s.size() <= 5 && s.find_first_not_of("0123456789") == std::string::npos)
      n = std::stoll(s);
  }
  if (n < 1 || n > 65535)
    throw PluginError(where + ".port must be a port number from 1 to 65535, got " +
                      (v.isString() ? "'" + v.toString() + "'" : v.toString()));
  return static_cast<int>(n);
}

Poco::JSON::Object::Ptr parseObject(const std::string& json) {
  try {
    Poco::JSON::Parser parser;
    Var v = parser.parse(json.empty() ? "{}" : json);
    if (v.type() == typeid(Poco::JSON::Object::Ptr))
      return v.extract<Poco::JSON::Object::Ptr>();
  } catch (const Poco::Exception& e) {
    throw PluginError("discovery-static settings are not valid JSON: " + e.displayText());
  }
  throw PluginError("discovery-static settings must be a JSON object");
}

} // namespace

StaticPeers StaticPeers::parse(const std::string& json) {
  const auto settings = parseObject(json);
  StaticPeers result;
  result.nodeName = text(*settings, "node_name");
  const Var list = settings->get("peers");
  if (list.isEmpty() || list.type() != typeid(Poco::JSON::Array::Ptr) ||
      list.extract<Poco::JSON::Array::Ptr>()->size() == 0)
    throw PluginError(std::string("mesh.peers must list at least one peer when "
                                  "mesh.discovery.mode is static; ") +
                      kExample);
  const auto peers = list.extract<Poco::JSON::Array::Ptr>();
  std::set<std::string> names;
  for (size_t i = 0; i < peers->size(); ++i) {
    const std::string where = "mesh.peers[" + std::to_string(i) + "]";
    const Var entry = peers->get(i);
    if (entry.type() != typeid(Poco::JSON::Object::Ptr))
      throw PluginError(where + " must be a map with name, host and port; " + kExample);
    const auto& o = *entry.extract<Poco::JSON::Object::Ptr>();
    StaticPeer peer{text(o, "name"), text(o, "host"), port(o, where)};
    if (peer.name.empty() || peer.host.empty())
      throw PluginError(where + " needs both name and host; " + kExample);
    if (!names.insert(peer.name).second)
      throw PluginError(where + ".name '" + peer.name +
                        "' is listed twice in mesh.peers; keep one entry per node");
    result.peers.push_back(std::move(peer));
  }
  return result;
}

std::string StaticPeers::hintsJson() const {
  Poco::JSON::Array hints;
  for (const auto& peer : peers) {
    if (peer.name == nodeName)
      continue;
    Poco::JSON::Object::Ptr hint = new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
    hint->set("name", peer.name);
    hint->set("host", peer.host);
    hint->set("port", peer.port);
    hints.add(hint);
  }
  std::ostringstream out;
  hints.stringify(out);
  return out.str();
}

size_t StaticPeers::otherCount() const {
  size_t n = 0;
  for (const auto& peer : peers)
    n += peer.name == nodeName ? 0 : 1;
  return n;
}

} // namespace rivet::discovery_static
