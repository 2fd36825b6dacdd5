// Own registry entry, heartbeat timer, registry endpoints and the delegation directory.
#include "app/Membership.hpp"

#include "log/Log.hpp"
#include "registry/JoinRequest.hpp"
#include "registry/JsonMembers.hpp"
#include "registry/RegistryError.hpp"
#include "util/JsonText.hpp"

#include <algorithm>
#include <filesystem>
#include <set>

namespace rivet::app {
namespace {

std::string errorBody(const std::string& text) {
  return "{\"error\":" + util::jsonString(text) + "}";
}

} // namespace

Membership::Membership(const config::Mesh& mesh, const plugin::AgentSet& agents)
    : mesh_(mesh), agents_(agents), store_(mesh.storageDir, {}, mesh.registryMaxBytes) {}

Membership::~Membership() {
  stop();
}

registry::NodeRecord Membership::selfRecord() const {
  registry::NodeFields f;
  f.id = mesh_.nodeName;
  f.name = mesh_.nodeName;
  f.host = mesh_.advertiseHost;
  f.port = mesh_.agentChannelPort;
  f.version = RIVET_VERSION;
  std::string details;
  for (const auto& a : agents_.list()) {
    f.agents.push_back(a->id());
    if (std::find(f.providers.begin(), f.providers.end(), a->provider()) == f.providers.end())
      f.providers.push_back(a->provider());
    if (!a->model().empty())
      f.models.push_back(a->model());
    details += (details.empty() ? "" : ",") + util::jsonString(a->id()) +
               ":{\"provider\":" + util::jsonString(a->provider()) +
               (a->model().empty() ? "" : ",\"model\":" + util::jsonString(a->model())) + "}";
  }
  f.metadataJson = "{\"agentDetails\":{" + details + "}}";
  return registry::NodeRecord::fromFields(f);
}

std::string Membership::selfJson() const {
  return selfRecord().toJson(0);
}

void Membership::start() {
  std::error_code ec;
  std::filesystem::create_directories(mesh_.storageDir, ec);
  try {
    store_.registerSelf(selfRecord());
  } catch (const std::exception& e) {
    throw std::runtime_error("cannot register in " + store_.path() + ": " + e.what() +
                             " (mesh.storage_dir)");
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    running_ = true;
  }
  timer_ = std::thread([this] { loop(); });
  log::get("Mesh")->info("Mesh started — heartbeat every {}ms", mesh_.heartbeatIntervalMs);
}

void Membership::stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!running_)
      return;
    running_ = false;
  }
  wake_.notify_all();
  if (timer_.joinable())
    timer_.join();
  try {
    store_.markOffline(mesh_.nodeName); // logs "Node deregistered"

  } catch (const std::exception& e) {
    log::get("Mesh")->error("could not mark this node offline in {}: {}", store_.path(), e.what());
  }
  log::get("Mesh")->info("Mesh stopped");
}

void Membership::agentsChanged() {
  try {
    store_.updateSelf(selfRecord());
  } catch (const std::exception& e) {
    log::get("Mesh")->error("Mesh heartbeat failed: {}", e.what());
  }
}

// The timer: heartbeat and prune in one locked write per tick; nothing else runs here.
void Membership::loop() {
  std::unique_lock<std::mutex> lock(mutex_);
  auto interval = std::chrono::milliseconds(mesh_.heartbeatIntervalMs);
  auto next = std::chrono::steady_clock::now() + interval;
  while (running_) {
    if (wake_.wait_until(lock, next, [this] { return !running_; }))
      break;
    next += interval;
    if (next < std::chrono::steady_clock::now())
      next = std::chrono::steady_clock::now() + interval; // fell behind: do not burst
    lock.unlock();
    try {
      store_.heartbeatAndPrune(selfRecord(), mesh_.staleThresholdMs);
    } catch (const std::exception& e) {
      log::get("Mesh")->error("Mesh heartbeat failed: {}", e.what());
    }
    lock.lock();
  }
}

EndpointAnswer Membership::nodes() {
  try {
    return {200, store_.nodesJson()};
  } catch (const std::exception& e) {
    log::get("AgentChannel")->error("Agent channel request failed GET /api/mesh: {}", e.what());
    return {500, R"({"error":"Internal error"})"};
  }
}

EndpointAnswer Membership::join(std::string_view body, std::string_view peerCn) {
  registry::JoinCheck check = registry::checkJoinBody(body);
  if (!check.node)
    return {check.status, errorBody(check.error)};
  const registry::NodeRecord& node = *check.node;
  std::string forbidden = registry::checkJoinIdentity(peerCn, node);
  if (!forbidden.empty())
    return {403, errorBody(forbidden)};
  try {
    std::string nodes = store_.join(node);
    log::get("AgentChannel")
        ->info("Mesh join: {} ({}:{}) peer.cn={}", node.name(), node.host(),
               node.integer("port").value_or(0), peerCn);
    return {200, "{\"status\":\"ok\",\"nodes\":" + nodes + "}"};
  } catch (const std::exception& e) {
    log::get("AgentChannel")->error("Mesh join of {} failed: {}", node.name(), e.what());
    return {500, R"({"error":"Internal error"})"};
  }
}

// Every other node of the registry, read in place (a copy per node would cost more than the
// delegation it serves in a large mesh). The store re-reads the file only when it changed.
template <class F> void Membership::forEachOther(F&& visit) {
  auto snapshot = store_.snapshot();
  const rapidjson::Value& nodes = snapshot->nodesObject();
  if (!nodes.IsObject())
    return;
  for (auto it = nodes.MemberBegin(); it != nodes.MemberEnd(); ++it) {
    const rapidjson::Value& n = it->value;
    if (!n.IsObject() ||
        std::string_view(it->name.GetString(), it->name.GetStringLength()) == mesh_.nodeName)
      continue;
    visit(n);
  }
}

bool Membership::fresh(const rapidjson::Value& node, int64_t now) const {
  return registry::json::string(node, "status") == "online" &&
         now - registry::json::integer(node, "lastSeen").value_or(0) <= mesh_.staleThresholdMs;
}

std::vector<delegation::RemoteNode> Membership::candidates(const std::string& agentId) {
  std::vector<delegation::RemoteNode> out;
  int64_t now = store_.now();
  forEachOther([&](const rapidjson::Value& n) {
    if (!fresh(n, now) || !registry::NodeRecord::hostsAgent(n, agentId))
      return;
    out.push_back({registry::json::string(n, "name"), registry::json::string(n, "host"),
                   static_cast<int>(registry::json::integer(n, "port").value_or(3000)),
                   registry::json::integer(n, "lastSeen").value_or(0)});
  });
  std::stable_sort(out.begin(), out.end(),
                   [](const auto& a, const auto& b) { return a.lastSeen > b.lastSeen; });
  return out;
}

std::vector<std::string> Membership::unavailableHosts(const std::string& agentId) {
  std::vector<std::string> out;
  int64_t now = store_.now();
  forEachOther([&](const rapidjson::Value& n) {
    if (registry::NodeRecord::hostsAgent(n, agentId) && !fresh(n, now))
      out.push_back(registry::json::string(n, "name"));
  });
  return out;
}

std::vector<std::string> Membership::remoteAgents() {
  std::set<std::string> ids;
  int64_t now = store_.now();
  forEachOther([&](const rapidjson::Value& n) {
    const rapidjson::Value* agents = registry::json::member(n, "agents");
    if (!fresh(n, now) || !agents || !agents->IsArray())
      return;
    for (const auto& a : agents->GetArray())
      if (a.IsString())
        ids.insert(a.GetString());
  });
  return {ids.begin(), ids.end()};
}

std::vector<delegation::RemoteAgent> Membership::reachableAgents() {
  std::vector<delegation::RemoteAgent> out;
  int64_t now = store_.now();
  forEachOther([&](const rapidjson::Value& n) {
    const rapidjson::Value* agents = registry::json::member(n, "agents");
    if (!fresh(n, now) || !agents || !agents->IsArray())
      return;
    std::string node = registry::json::string(n, "name");
    const rapidjson::Value* metadata = registry::json::member(n, "metadata");
    const rapidjson::Value* details = metadata && metadata->IsObject()
                                          ? registry::json::member(*metadata, "agentDetails")
                                          : nullptr;
    for (const auto& a : agents->GetArray()) {
      if (!a.IsString())
        continue;
      delegation::RemoteAgent entry{std::string(a.GetString(), a.GetStringLength()), node, "", ""};
      const rapidjson::Value* d =
          details && details->IsObject() ? registry::json::member(*details, entry.id) : nullptr;
      if (d && d->IsObject()) {
        entry.provider = registry::json::string(*d, "provider");
        entry.model = registry::json::string(*d, "model");
      }
      out.push_back(std::move(entry));
    }
  });
  return out;
}

} // namespace rivet::app
