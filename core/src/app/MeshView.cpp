// Built from the registry with the same reads Membership made on every request before (json
// accessors, NodeRecord::hostsAgent's matching), so the answers are the same, only indexed.
#include "app/MeshView.hpp"

#include "registry/JsonMembers.hpp"

#include <algorithm>
#include <numeric>
#include <set>

namespace rivet::app {
namespace {

namespace json = registry::json;

constexpr size_t kNone = static_cast<size_t>(-1);

} // namespace

// `lastSeen >= now - threshold` is `now - lastSeen <= threshold` without the overflow a hostile
// lastSeen near INT64_MIN would cause (now and the threshold are never negative).
bool MeshView::Node::fresh(int64_t now, int64_t staleThresholdMs) const {
  return online && address.lastSeen >= now - staleThresholdMs;
}

MeshView::MeshView(const registry::Registry& registry, std::string_view selfId) {
  const rapidjson::Value& nodes = registry.nodesObject();
  if (!nodes.IsObject())
    return;
  // Each node's agents as slot numbers, once each: node i's are hosted[begin[i], begin[i + 1]).
  std::vector<size_t> hosted;
  std::vector<size_t> begin;
  std::vector<size_t> lastNodeOf; // slot -> the last node that listed it (repeats count once)
  for (auto it = nodes.MemberBegin(); it != nodes.MemberEnd(); ++it) {
    const rapidjson::Value& n = it->value;
    if (!n.IsObject() ||
        std::string_view(it->name.GetString(), it->name.GetStringLength()) == selfId)
      continue;
    const size_t index = nodes_.size();
    Node& node = nodes_.emplace_back();
    begin.push_back(hosted.size());
    node.address.name = json::string(n, "name");
    node.address.host = json::string(n, "host");
    node.address.port = static_cast<int>(json::integer(n, "port").value_or(3000));
    node.address.lastSeen = json::integer(n, "lastSeen").value_or(0);
    node.online = json::string(n, "status") == "online";
    const rapidjson::Value* agents = json::member(n, "agents");
    if (!agents || !agents->IsArray())
      continue;
    const rapidjson::Value* metadata = json::member(n, "metadata");
    const rapidjson::Value* details =
        metadata && metadata->IsObject() ? json::member(*metadata, "agentDetails") : nullptr;
    const rapidjson::Value* features =
        metadata && metadata->IsObject() ? json::member(*metadata, "features") : nullptr;
    const rapidjson::Value* summary =
        metadata && metadata->IsObject() ? json::member(*metadata, "policy") : nullptr;
    if (summary) // unreadable: as if absent (that node enforces its rules either way)
      if (auto rules = policy::RuleSet::fromSummary(*summary)) {
        node.address.policyRevision = rules->revision();
        node.address.policy = std::make_shared<const policy::RuleSet>(std::move(*rules));
      }
    if (features && features->IsArray())
      for (const auto& f : features->GetArray())
        if (f.IsString() && std::string_view(f.GetString(), f.GetStringLength()) == "tasks")
          node.address.tasks = true;
    for (const auto& a : agents->GetArray()) {
      if (!a.IsString())
        continue;
      Agent agent{std::string(a.GetString(), a.GetStringLength()), "", ""};
      const rapidjson::Value* d =
          details && details->IsObject() ? json::member(*details, agent.id) : nullptr;
      if (d && d->IsObject()) {
        agent.provider = json::string(*d, "provider");
        agent.model = json::string(*d, "model");
      }
      const size_t slot = slots_.try_emplace(agent.id, slots_.size()).first->second;
      if (slot == lastNodeOf.size())
        lastNodeOf.push_back(kNone);
      if (lastNodeOf[slot] != index) {
        lastNodeOf[slot] = index;
        hosted.push_back(slot);
      }
      node.agents.push_back(std::move(agent));
    }
  }
  begin.push_back(hosted.size());

  // Counting sort of the (slot, node) pairs by slot, once in file order and once in recency
  // order: both stable, so each group keeps the order its nodes were visited in.
  offsets_.assign(slots_.size() + 1, 0);
  for (size_t slot : hosted)
    ++offsets_[slot + 1];
  std::partial_sum(offsets_.begin(), offsets_.end(), offsets_.begin());
  auto groupNodes = [&](const std::vector<size_t>& visit, std::vector<size_t>& out) {
    out.resize(hosted.size());
    std::vector<size_t> next(offsets_.begin(), offsets_.end() - 1);
    for (size_t i : visit)
      for (size_t h = begin[i]; h < begin[i + 1]; ++h)
        out[next[hosted[h]]++] = i;
  };
  std::vector<size_t> order(nodes_.size());
  std::iota(order.begin(), order.end(), 0);
  groupNodes(order, inFileOrder_);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return nodes_[a].address.lastSeen > nodes_[b].address.lastSeen;
  });
  groupNodes(order, byRecency_);
}

std::pair<size_t, size_t> MeshView::group(const std::string& agentId) const {
  auto it = slots_.find(agentId);
  if (it == slots_.end())
    return {0, 0};
  return {offsets_[it->second], offsets_[it->second + 1]};
}

// Filtering the recency order keeps it: the fresh nodes come out as a stable sort of them would.
std::vector<delegation::RemoteNode> MeshView::candidates(const std::string& agentId, int64_t now,
                                                         int64_t staleThresholdMs) const {
  std::vector<delegation::RemoteNode> out;
  auto [from, to] = group(agentId);
  for (size_t g = from; g < to; ++g)
    if (const Node& n = nodes_[byRecency_[g]]; n.fresh(now, staleThresholdMs))
      out.push_back(n.address);
  return out;
}

std::vector<std::string> MeshView::unavailableHosts(const std::string& agentId, int64_t now,
                                                    int64_t staleThresholdMs) const {
  std::vector<std::string> out;
  auto [from, to] = group(agentId);
  for (size_t g = from; g < to; ++g)
    if (const Node& n = nodes_[inFileOrder_[g]]; !n.fresh(now, staleThresholdMs))
      out.push_back(n.address.name);
  return out;
}

std::vector<std::string> MeshView::remoteAgents(int64_t now, int64_t staleThresholdMs) const {
  std::set<std::string> ids;
  for (const auto& n : nodes_)
    if (n.fresh(now, staleThresholdMs))
      for (const auto& a : n.agents)
        ids.insert(a.id);
  return {ids.begin(), ids.end()};
}

std::vector<delegation::RemoteAgent> MeshView::reachableAgents(int64_t now,
                                                               int64_t staleThresholdMs) const {
  std::vector<delegation::RemoteAgent> out;
  for (const auto& n : nodes_)
    if (n.fresh(now, staleThresholdMs))
      for (const auto& a : n.agents)
        out.push_back({a.id, n.address.name, a.provider, a.model, n.address.policy,
                       n.address.policyRevision});
  return out;
}

} // namespace rivet::app
