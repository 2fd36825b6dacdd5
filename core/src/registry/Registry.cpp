// Entries are edited inside the one document parsed from the file, so a write costs one parse
// and one serialization, and every byte this node does not change is written back as it was.
#include "registry/Registry.hpp"

#include "registry/JsonMembers.hpp"

namespace rivet::registry {

Registry::Registry() {
  auto& a = doc_.GetAllocator();
  doc_.SetObject();
  doc_.AddMember("version", 1, a);
  doc_.AddMember("nodes", rapidjson::Value(rapidjson::kObjectType), a);
  doc_.AddMember("updatedAt", rapidjson::Value(int64_t{0}), a);
}

Registry::Registry(rapidjson::Document&& checked) : doc_(std::move(checked)) {}

Registry::Registry(const Registry& other) {
  doc_.CopyFrom(other.doc_, doc_.GetAllocator());
}

Registry& Registry::operator=(const Registry& other) {
  if (this != &other) {
    rapidjson::Document copy;
    copy.CopyFrom(other.doc_, copy.GetAllocator());
    doc_.Swap(copy);
  }
  return *this;
}

const rapidjson::Value& Registry::nodesObject() const {
  return *json::member(doc_, "nodes");
}
rapidjson::Value& Registry::nodesObject() {
  return *json::member(doc_, "nodes");
}

size_t Registry::size() const {
  return nodesObject().MemberCount();
}

bool Registry::contains(std::string_view id) const {
  return json::member(nodesObject(), id) != nullptr;
}

std::optional<NodeRecord> Registry::find(std::string_view id) const {
  const rapidjson::Value* v = json::member(nodesObject(), id);
  if (!v || !v->IsObject())
    return std::nullopt;
  return NodeRecord(*v);
}

std::vector<NodeRecord> Registry::nodes() const {
  std::vector<NodeRecord> out;
  out.reserve(size());
  for (const auto& m : nodesObject().GetObject())
    if (m.value.IsObject())
      out.emplace_back(m.value);
  return out;
}

rapidjson::Value* Registry::entry(std::string_view id) {
  rapidjson::Value* v = json::member(nodesObject(), id);
  return v && v->IsObject() ? v : nullptr;
}

void Registry::put(const NodeRecord& node) {
  auto& a = doc_.GetAllocator();
  json::set(nodesObject(), node.id(), rapidjson::Value(node.json(), a), a);
}

int64_t Registry::updatedAt() const {
  return json::integer(doc_, "updatedAt").value_or(0);
}

void Registry::setUpdatedAt(int64_t ms) {
  json::setInteger(doc_, "updatedAt", ms, allocator());
}

} // namespace rivet::registry
