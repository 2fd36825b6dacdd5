// Own registry entry, heartbeat timer, registry endpoints and the delegation directory; every
// write of this node's refreshes the directory's view before it returns.
#include "app/Membership.hpp"

#include "app/Node.hpp"
#include "log/Log.hpp"
#include "registry/AtomicFile.hpp"
#include "registry/JoinRequest.hpp"
#include "registry/RegistryError.hpp"
#include "util/JsonText.hpp"

#include <algorithm>
#include <filesystem>

namespace rivet::app {
namespace {

std::string errorBody(const std::string& text) {
  return "{\"error\":" + util::jsonString(text) + "}";
}

// At run time the registry code rides out a mesh.json that turned into a folder, a FIFO or a
// link (it keeps its last good copy); at start-up there is no good copy, so refuse before the
// channel listens rather than fail to register after it did.
void refuseUnreadableRegistry(const std::string& path, int64_t maxBytes) {
  try {
    (void)registry::AtomicFile::read(path, maxBytes);
  } catch (const registry::RegistryError& e) {
    if (e.kind() == registry::RegistryError::Kind::Refused)
      throw StartupError(std::string("mesh.storage_dir: ") + e.what() +
                         "; rivetd does not start until then");
  }
}

std::string hostPort(const std::string& host, int port) {
  const bool ipv6 = host.find(':') != std::string::npos;
  return (ipv6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

} // namespace

Membership::Membership(const config::Mesh& mesh, const plugin::AgentSet& agents)
    : mesh_(mesh), agents_(agents), store_(mesh.storageDir, {}, mesh.registryMaxBytes),
      view_(store_, mesh.nodeName, MeshViewRefresher::intervalFor(mesh.heartbeatIntervalMs)) {
  refuseUnreadableRegistry(store_.path(), mesh.registryMaxBytes);
  view_.refreshNow(); // the transport may accept a request before start() registers this node
}

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
  // features: what this node speaks beyond RivetOS's protocol (docs/protocol.md), which
  // RivetOS ignores; "tasks" is the task API.
  f.metadataJson = "{\"agentDetails\":{" + details + "},\"features\":[\"tasks\"]";
  // policy: who may run which agent (docs/policy.md), for the others' rosters
  if (auto rules = policy_ ? policy_->rules() : nullptr; rules && !rules->empty())
    f.metadataJson += ",\"policy\":" + rules->summaryJson();
  f.metadataJson += "}";
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
  view_.refreshNow();
  view_.start();
  {
    std::lock_guard<std::mutex> lock(mutex_);
    running_ = true;
  }
  timer_ = std::thread([this] { loop(); });
  // RivetOS's "Agent channel listening on :<port> (TLS, CN=...)" (the transport's) names no host
  // and tools match it as it is; this second line does (docs/protocol.md §7).
  log::get("AgentChannel")
      ->info("Agent channel listening on {}, advertised to peers as {}",
             hostPort(mesh_.listenHost, mesh_.agentChannelPort),
             hostPort(mesh_.advertiseHost, mesh_.agentChannelPort));
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
  view_.stop();
  try {
    store_.markOffline(mesh_.nodeName); // logs "Node deregistered"
    view_.refreshNow();                 // the metrics listener, open until the stop ends

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
  view_.refreshNow();
}

// The timer: heartbeat and prune in one locked write per tick, then the view of what it wrote
// (prune may have marked other nodes offline).
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
    view_.refreshNow();
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
    const bool news = joinIsNews(node);
    std::string nodes = store_.join(node);
    view_.refreshNow(); // the joined node's agents can be asked for as soon as it is answered
    log::get("AgentChannel")
        ->log(news ? spdlog::level::info : spdlog::level::debug, "Mesh join: {} ({}:{}) peer.cn={}",
              node.name(), node.host(), node.integer("port").value_or(0), peerCn);
    return {200, "{\"status\":\"ok\",\"nodes\":" + nodes + "}"};
  } catch (const std::exception& e) {
    log::get("AgentChannel")->error("Mesh join of {} failed: {}", node.name(), e.what());
    return {500, R"({"error":"Internal error"})"};
  }
}

// A node re-announcing itself every few seconds (discovery-seed) is noise at INFO: a join is news
// the first time this node answers one for that id, and whenever the registry had the node
// absent, offline, stale or at another address before it.
bool Membership::joinIsNews(const registry::NodeRecord& node) {
  std::optional<registry::NodeRecord> before = store_.snapshot()->find(node.id());
  const bool wasOnline = before && before->status() == "online" && before->host() == node.host() &&
                         before->port() == node.port() &&
                         store_.now() - before->lastSeen() <= mesh_.staleThresholdMs;
  std::lock_guard<std::mutex> lock(mutex_);
  if (joined_.size() >= kJoinedRemembered && !joined_.count(node.id()))
    joined_.clear(); // bounded: forgetting only turns a repeat into one more INFO line
  const bool first = joined_.insert(node.id()).second;
  return first || !wasOnline;
}

// Freshness is judged at each call against the current time rather than when the view was
// built: a node that stops heartbeating drops out at the exact millisecond it did before, not up
// to one refresh later, for one comparison per node the answer looks at.
std::vector<delegation::RemoteNode> Membership::candidates(const std::string& agentId) {
  return view_.view()->candidates(agentId, store_.now(), mesh_.staleThresholdMs);
}

std::vector<std::string> Membership::unavailableHosts(const std::string& agentId) {
  return view_.view()->unavailableHosts(agentId, store_.now(), mesh_.staleThresholdMs);
}

std::vector<std::string> Membership::remoteAgents() {
  return view_.view()->remoteAgents(store_.now(), mesh_.staleThresholdMs);
}

std::vector<delegation::RemoteAgent> Membership::reachableAgents() {
  return view_.view()->reachableAgents(store_.now(), mesh_.staleThresholdMs);
}

} // namespace rivet::app
