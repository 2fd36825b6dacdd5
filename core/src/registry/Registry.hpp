// The parsed mesh.json in memory: {"version":1,"nodes":{<id>:<node>},"updatedAt":<ms>} with
// every key, known or not, in file order. Look-ups go by the key under "nodes", as in RivetOS.
#pragma once

#include "registry/NodeRecord.hpp"

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include <rapidjson/document.h>

namespace rivet::registry {

class Registry {
public:
  Registry(); // an empty registry, as a missing file reads
  // Takes a document already checked by RegistryFile (an object whose "nodes" is an object).
  explicit Registry(rapidjson::Document&& checked);
  Registry(const Registry& other);
  Registry& operator=(const Registry& other);
  Registry(Registry&&) = default;
  Registry& operator=(Registry&&) = default;

  size_t size() const; // entries under "nodes", whatever their value
  bool contains(std::string_view id) const;
  std::optional<NodeRecord> find(std::string_view id) const;
  std::vector<NodeRecord> nodes() const; // every object entry, in file order

  // The entry's object for in-place edits; nullptr when absent or not an object.
  rapidjson::Value* entry(std::string_view id);
  // Replaces the entry under `node.id()` where it stands, or appends it.
  void put(const NodeRecord& node);

  int64_t updatedAt() const;
  void setUpdatedAt(int64_t ms);

  const rapidjson::Value& nodesObject() const;
  rapidjson::Value& nodesObject();
  const rapidjson::Document& document() const { return doc_; }
  rapidjson::Document::AllocatorType& allocator() { return doc_.GetAllocator(); }

private:
  rapidjson::Document doc_;
};

} // namespace rivet::registry
