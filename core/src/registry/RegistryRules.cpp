// Edits happen on the entry objects inside the registry document; only a node's own fields or
// the status of stale peers change, so concurrent writers never undo each other's work.
#include "registry/RegistryRules.hpp"

#include "registry/JsonMembers.hpp"

#include <algorithm>
#include <array>

namespace rivet::registry {
namespace {

constexpr std::array<std::string_view, 13> kRuntimeFields = {
    "id",           "name",     "agents", "host",     "port",         "providers", "models",
    "capabilities", "metadata", "status", "lastSeen", "registeredAt", "version"};

bool runtimeField(std::string_view key) {
  return std::find(kRuntimeFields.begin(), kRuntimeFields.end(), key) != kRuntimeFields.end();
}

std::string_view keyOf(const rapidjson::Value& name) {
  return std::string_view(name.GetString(), name.GetStringLength());
}

// The entry a node's own statement produces: its fields replace the old entry's runtime fields
// (dropping those it no longer has); fields a person added to the entry stay where they were.
NodeRecord mergedEntry(const rapidjson::Value* old, const NodeRecord& own) {
  if (!old)
    return own;
  NodeRecord merged;
  auto& a = merged.json().GetAllocator();
  for (const auto& m : old->GetObject()) {
    std::string_view key = keyOf(m.name);
    const rapidjson::Value* mine = json::member(own.json(), key);
    if (mine)
      json::set(merged.json(), key, rapidjson::Value(*mine, a), a);
    else if (!runtimeField(key))
      json::set(merged.json(), key, rapidjson::Value(m.value, a), a);
  }
  for (const auto& m : own.json().GetObject())
    if (!merged.has(keyOf(m.name)))
      json::set(merged.json(), keyOf(m.name), rapidjson::Value(m.value, a), a);
  return merged;
}

} // namespace

bool applyHeartbeat(Registry& r, const NodeRecord& self, int64_t now) {
  if (rapidjson::Value* entry = r.entry(self.id())) {
    json::setInteger(*entry, "lastSeen", now, r.allocator());
    json::setString(*entry, "status", "online", r.allocator());
    return false;
  }
  NodeRecord back = self;
  back.setStatus("online").setLastSeen(now);
  if (back.registeredAt() <= 0)
    back.setRegisteredAt(now);
  r.put(back);
  return true;
}

std::vector<StaleNode> applyPrune(Registry& r, std::string_view selfId, int64_t staleThresholdMs,
                                  int64_t now) {
  std::vector<StaleNode> stale;
  for (auto& m : r.nodesObject().GetObject()) {
    if (keyOf(m.name) == selfId || !m.value.IsObject())
      continue;
    auto lastSeen = json::integer(m.value, "lastSeen");
    if (!NodeRecord::isAgentRole(m.value) || !lastSeen ||
        json::string(m.value, "status") == "offline" || now - *lastSeen <= staleThresholdMs)
      continue;
    json::setString(m.value, "status", "offline", r.allocator());
    int64_t ms = now - *lastSeen;
    stale.push_back({std::string(keyOf(m.name)), json::string(m.value, "name"), (ms + 500) / 1000});
  }
  return stale;
}

void applyRegistration(Registry& r, const NodeRecord& self, int64_t now) {
  NodeRecord merged = mergedEntry(r.entry(self.id()), self);
  merged.setStatus("online").setLastSeen(now).setRegisteredAt(now);
  r.put(merged);
}

void applySelfUpdate(Registry& r, const NodeRecord& self, int64_t now) {
  std::optional<int64_t> registeredAt;
  if (auto existing = r.find(self.id()))
    registeredAt = existing->integer("registeredAt");
  NodeRecord merged = mergedEntry(r.entry(self.id()), self);
  merged.setStatus("online").setLastSeen(now).setRegisteredAt(registeredAt.value_or(now));
  r.put(merged);
}

bool applyStatus(Registry& r, std::string_view id, std::string_view status) {
  rapidjson::Value* entry = r.entry(id);
  if (!entry || json::string(*entry, "status") == status)
    return false;
  json::setString(*entry, "status", status, r.allocator());
  return true;
}

void applyJoin(Registry& r, NodeRecord node, int64_t now) {
  node.setLastSeen(now);
  const rapidjson::Value* registered = json::member(node.json(), "registeredAt");
  bool truthy = registered && !registered->IsNull() && !registered->IsFalse() &&
                !(registered->IsNumber() && registered->GetDouble() == 0) &&
                !(registered->IsString() && registered->GetStringLength() == 0);
  if (!truthy)
    node.setRegisteredAt(now);
  if (node.string("status").empty())
    node.setStatus("online");
  r.put(mergedEntry(r.entry(node.id()), node));
}

bool applyVerified(Registry& r, NodeRecord hint, int64_t lastSeen) {
  if (const rapidjson::Value* known = r.entry(hint.id()))
    if (json::integer(*known, "lastSeen").value_or(0) >= lastSeen)
      return false;
  hint.setStatus("online").setLastSeen(lastSeen);
  r.put(hint);
  return true;
}

std::vector<NodeRecord> candidatesForAgent(const Registry& r, std::string_view agentId,
                                           int64_t staleThresholdMs, int64_t now) {
  std::vector<NodeRecord> out;
  for (const auto& m : r.nodesObject().GetObject()) {
    if (!m.value.IsObject() || json::string(m.value, "status") != "online" ||
        !NodeRecord::hostsAgent(m.value, agentId) ||
        now - json::integer(m.value, "lastSeen").value_or(0) > staleThresholdMs)
      continue;
    out.emplace_back(m.value);
  }
  std::stable_sort(out.begin(), out.end(), [](const NodeRecord& a, const NodeRecord& b) {
    return a.lastSeen() > b.lastSeen();
  });
  return out;
}

} // namespace rivet::registry
