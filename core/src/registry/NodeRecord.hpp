// One node of mesh.json (RivetOS's MeshNode) as the JSON object itself, so unknown fields and
// key order survive; typed accessors read the known fields, setters change them in place.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <rapidjson/document.h>

namespace rivet::registry {

// What this node says about itself; NodeRecord::fromFields lays it out in RivetOS's key order.
struct NodeFields {
  std::string id; // runtime nodes: mesh.node_name, as `name`
  std::string name;
  std::vector<std::string> agents; // element 0 serves RivetOS's inbound /api/message
  std::string host;
  int port = 3000;
  std::vector<std::string> providers;
  std::vector<std::string> models;
  std::vector<std::string> capabilities;
  std::string metadataJson; // a JSON object, e.g. {"agentDetails":{...}}; empty: no key at all
  std::string version = "0.1.0";
};

class NodeRecord {
public:
  NodeRecord();                                        // {}
  explicit NodeRecord(const rapidjson::Value& object); // deep copy of a node object
  NodeRecord(const NodeRecord& other);
  NodeRecord& operator=(const NodeRecord& other);
  NodeRecord(NodeRecord&&) = default;
  NodeRecord& operator=(NodeRecord&&) = default;

  // id, name, agents, host, port, providers, models, capabilities, [metadata], status "online",
  // lastSeen 0, registeredAt 0, version. Throws RegistryError if metadataJson is not JSON.
  static NodeRecord fromFields(const NodeFields& f);
  // Throws RegistryError (Kind::Invalid) when `text` is not one JSON object.
  static NodeRecord fromJson(std::string_view text);

  std::string id() const;
  std::string name() const;
  std::optional<std::string> role() const;
  bool isAgentRole() const; // no role, or role "agent": the only nodes prune may mark offline
  std::vector<std::string> agents() const;
  bool hostsAgent(std::string_view agent) const;
  std::string host() const;
  int port() const; // 0 when absent or not an integer in 1..65535
  std::vector<std::string> providers() const;
  std::vector<std::string> models() const;
  std::vector<std::string> capabilities() const;
  std::string metadataJson() const; // compact JSON; empty when there is no metadata
  std::string status() const;
  int64_t lastSeen() const;     // 0 when absent
  int64_t registeredAt() const; // 0 when absent
  std::string version() const;

  // Any member, for fields this class does not name (sshUser, platform, ...).
  bool has(std::string_view key) const;
  std::string string(std::string_view key) const;
  std::optional<int64_t> integer(std::string_view key) const;

  NodeRecord& setString(std::string_view key, std::string_view value);
  NodeRecord& setInteger(std::string_view key, int64_t value);
  NodeRecord& setStrings(std::string_view key, const std::vector<std::string>& values);
  NodeRecord& setJson(std::string_view key, std::string_view json); // throws RegistryError
  NodeRecord& erase(std::string_view key);
  NodeRecord& setStatus(std::string_view status) { return setString("status", status); }
  NodeRecord& setLastSeen(int64_t ms) { return setInteger("lastSeen", ms); }
  NodeRecord& setRegisteredAt(int64_t ms) { return setInteger("registeredAt", ms); }

  std::string toJson(int indent = 0) const; // JSON.stringify(node, null, indent)
  const rapidjson::Value& json() const { return doc_; }
  rapidjson::Document& json() { return doc_; }

  // The same two questions asked of a node object inside a registry, without copying it.
  static bool isAgentRole(const rapidjson::Value& node);
  static bool hostsAgent(const rapidjson::Value& node, std::string_view agent);

private:
  std::vector<std::string> strings(std::string_view key) const;
  rapidjson::Document doc_;
};

} // namespace rivet::registry
