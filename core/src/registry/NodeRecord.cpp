// A NodeRecord owns its own RapidJSON document; copying into or out of a registry deep-copies,
// because a RapidJSON value belongs to the allocator of the document that holds it.
#include "registry/NodeRecord.hpp"

#include "registry/JsonCodec.hpp"
#include "registry/JsonMembers.hpp"
#include "registry/RegistryError.hpp"

namespace rivet::registry {

NodeRecord::NodeRecord() {
  doc_.SetObject();
}

NodeRecord::NodeRecord(const rapidjson::Value& object) {
  if (object.IsObject())
    doc_.CopyFrom(object, doc_.GetAllocator());
  else
    doc_.SetObject();
}

NodeRecord::NodeRecord(const NodeRecord& other) {
  doc_.CopyFrom(other.doc_, doc_.GetAllocator());
}

NodeRecord& NodeRecord::operator=(const NodeRecord& other) {
  if (this != &other) {
    rapidjson::Document copy;
    copy.CopyFrom(other.doc_, copy.GetAllocator());
    doc_.Swap(copy);
  }
  return *this;
}

NodeRecord NodeRecord::fromFields(const NodeFields& f) {
  NodeRecord r;
  r.setString("id", f.id).setString("name", f.name).setStrings("agents", f.agents);
  r.setString("host", f.host).setInteger("port", f.port).setStrings("providers", f.providers);
  r.setStrings("models", f.models).setStrings("capabilities", f.capabilities);
  if (!f.metadataJson.empty())
    r.setJson("metadata", f.metadataJson);
  r.setStatus("online").setLastSeen(0).setRegisteredAt(0).setString("version", f.version);
  return r;
}

NodeRecord NodeRecord::fromJson(std::string_view text) {
  NodeRecord r;
  std::string error;
  if (!parseJson(text, r.doc_, error))
    throw RegistryError(RegistryError::Kind::Invalid, "a node record is not valid JSON: " + error);
  if (!r.doc_.IsObject())
    throw RegistryError(RegistryError::Kind::Invalid, "a node record must be a JSON object");
  return r;
}

std::string NodeRecord::id() const {
  return json::string(doc_, "id");
}
std::string NodeRecord::name() const {
  return json::string(doc_, "name");
}
std::string NodeRecord::host() const {
  return json::string(doc_, "host");
}
std::string NodeRecord::status() const {
  return json::string(doc_, "status");
}
std::string NodeRecord::version() const {
  return json::string(doc_, "version");
}
std::vector<std::string> NodeRecord::agents() const {
  return strings("agents");
}
std::vector<std::string> NodeRecord::providers() const {
  return strings("providers");
}
std::vector<std::string> NodeRecord::models() const {
  return strings("models");
}
std::vector<std::string> NodeRecord::capabilities() const {
  return strings("capabilities");
}
int64_t NodeRecord::lastSeen() const {
  return integer("lastSeen").value_or(0);
}
int64_t NodeRecord::registeredAt() const {
  return integer("registeredAt").value_or(0);
}

std::optional<std::string> NodeRecord::role() const {
  const rapidjson::Value* v = json::member(doc_, "role");
  if (!v || !v->IsString())
    return std::nullopt;
  return std::string(v->GetString(), v->GetStringLength());
}

bool NodeRecord::isAgentRole() const {
  return isAgentRole(doc_);
}

bool NodeRecord::hostsAgent(std::string_view agent) const {
  return hostsAgent(doc_, agent);
}

bool NodeRecord::isAgentRole(const rapidjson::Value& node) {
  // RivetOS: `node.role && node.role !== "agent"` exempts a node, so "" and null count as agent.
  const rapidjson::Value* v = json::member(node, "role");
  if (!v || v->IsNull() || v->IsFalse())
    return true;
  if (!v->IsString())
    return false;
  std::string_view role(v->GetString(), v->GetStringLength());
  return role.empty() || role == "agent";
}

bool NodeRecord::hostsAgent(const rapidjson::Value& node, std::string_view agent) {
  const rapidjson::Value* v = json::member(node, "agents");
  if (!v || !v->IsArray())
    return false;
  for (const auto& a : v->GetArray())
    if (a.IsString() && std::string_view(a.GetString(), a.GetStringLength()) == agent)
      return true;
  return false;
}

int NodeRecord::port() const {
  auto p = integer("port");
  return p && *p > 0 && *p <= 65535 ? static_cast<int>(*p) : 0;
}

std::string NodeRecord::metadataJson() const {
  const rapidjson::Value* v = json::member(doc_, "metadata");
  return v ? stringifyJson(*v) : std::string();
}

bool NodeRecord::has(std::string_view key) const {
  return json::member(doc_, key) != nullptr;
}

std::string NodeRecord::string(std::string_view key) const {
  return json::string(doc_, key);
}

std::optional<int64_t> NodeRecord::integer(std::string_view key) const {
  return json::integer(doc_, key);
}

NodeRecord& NodeRecord::setString(std::string_view key, std::string_view value) {
  json::setString(doc_, key, value, doc_.GetAllocator());
  return *this;
}

NodeRecord& NodeRecord::setInteger(std::string_view key, int64_t value) {
  json::setInteger(doc_, key, value, doc_.GetAllocator());
  return *this;
}

NodeRecord& NodeRecord::setStrings(std::string_view key, const std::vector<std::string>& values) {
  auto& a = doc_.GetAllocator();
  rapidjson::Value array(rapidjson::kArrayType);
  for (const auto& s : values)
    array.PushBack(rapidjson::Value(s.data(), static_cast<rapidjson::SizeType>(s.size()), a), a);
  json::set(doc_, key, std::move(array), a);
  return *this;
}

NodeRecord& NodeRecord::setJson(std::string_view key, std::string_view text) {
  rapidjson::Document parsed;
  std::string error;
  if (!parseJson(text, parsed, error))
    throw RegistryError(RegistryError::Kind::Invalid,
                        "node field " + std::string(key) + " is not valid JSON: " + error);
  rapidjson::Value copy(parsed, doc_.GetAllocator());
  json::set(doc_, key, std::move(copy), doc_.GetAllocator());
  return *this;
}

NodeRecord& NodeRecord::erase(std::string_view key) {
  json::erase(doc_, key);
  return *this;
}

std::string NodeRecord::toJson(int indent) const {
  return stringifyJson(doc_, indent);
}

std::vector<std::string> NodeRecord::strings(std::string_view key) const {
  std::vector<std::string> out;
  const rapidjson::Value* v = json::member(doc_, key);
  if (!v || !v->IsArray())
    return out;
  for (const auto& s : v->GetArray())
    if (s.IsString())
      out.emplace_back(s.GetString(), s.GetStringLength());
  return out;
}

} // namespace rivet::registry
