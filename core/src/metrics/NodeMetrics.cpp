// Counting, and the core's families of /metrics.
#include "metrics/NodeMetrics.hpp"

#include <chrono>

namespace rivet::metrics {
namespace {

const char* const kTaskStatusNames[NodeMetrics::kTaskStatuses] = {"completed", "failed", "timeout",
                                                                  "rejected", "busy"};

int64_t epochMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

} // namespace

Endpoint endpointOf(std::string_view path) {
  path = path.substr(0, path.find('?'));
  if (path == "/api/message")
    return Endpoint::Message;
  if (path == "/api/agents")
    return Endpoint::Agents;
  if (path == "/api/mesh")
    return Endpoint::Mesh;
  if (path == "/api/mesh/join")
    return Endpoint::MeshJoin;
  if (path == "/api/mesh/ping")
    return Endpoint::MeshPing;
  if (path == "/api/tasks" || path.substr(0, 11) == "/api/tasks/")
    return Endpoint::Tasks;
  return Endpoint::Other;
}

const char* endpointName(Endpoint e) {
  switch (e) {
  case Endpoint::Message:
    return "/api/message";
  case Endpoint::Agents:
    return "/api/agents";
  case Endpoint::Mesh:
    return "/api/mesh";
  case Endpoint::MeshJoin:
    return "/api/mesh/join";
  case Endpoint::MeshPing:
    return "/api/mesh/ping";
  case Endpoint::Tasks:
    return "/api/tasks";
  case Endpoint::A2a:
    return "a2a";
  default:
    return "other";
  }
}

const char* delegationResultName(DelegationResult r) {
  static const char* const kNames[] = {"completed",     "failed",       "timeout",  "rejected",
                                       "not_delivered", "circuit_open", "abandoned"};
  return kNames[static_cast<int>(r)];
}

DelegationResult delegationResultOf(rivet_task_status s) {
  switch (s) {
  case RIVET_TASK_COMPLETED:
    return DelegationResult::Completed;
  case RIVET_TASK_TIMEOUT:
    return DelegationResult::Timeout;
  case RIVET_TASK_REJECTED:
    return DelegationResult::Rejected;
  default:
    return DelegationResult::Failed;
  }
}

void NodeMetrics::request(Endpoint e, int status) {
  if (status < kMinStatus || status >= kMinStatus + kStatuses)
    status = 500;
  requests_[static_cast<size_t>(e)][static_cast<size_t>(status - kMinStatus)].fetch_add(
      1, std::memory_order_relaxed);
}

void NodeMetrics::taskEnded(const std::string& agent, rivet_task_status status, bool busy,
                            double seconds) {
  int index = 1; // failed
  if (busy)
    index = 4;
  else if (status == RIVET_TASK_COMPLETED)
    index = 0;
  else if (status == RIVET_TASK_TIMEOUT)
    index = 2;
  else if (status == RIVET_TASK_REJECTED)
    index = 3;
  TaskSlot& slot = tasks_.get(agent);
  slot.byStatus[static_cast<size_t>(index)].fetch_add(1, std::memory_order_relaxed);
  if (!busy)
    slot.duration.observe(seconds);
  if (index != 0)
    remember({epochMs(), "task", agent, "", kTaskStatusNames[index],
              static_cast<int64_t>(seconds * 1000)});
}

void NodeMetrics::delegation(const std::string& peer, const std::string& agent, DelegationResult r,
                             double seconds) {
  PeerSlot& slot = delegations_.get(peer);
  slot.byResult[static_cast<size_t>(r)].fetch_add(1, std::memory_order_relaxed);
  if (r != DelegationResult::CircuitOpen)
    slot.duration.observe(seconds);
  remember({epochMs(), "delegation", agent, peer, delegationResultName(r),
            static_cast<int64_t>(seconds * 1000)});
}

void NodeMetrics::remember(RecentEvent e) {
  std::lock_guard<std::mutex> lock(recentMutex_);
  recent_.push_back(std::move(e));
  while (recent_.size() > kRecent)
    recent_.pop_front();
}

std::vector<RecentEvent> NodeMetrics::recent() const {
  std::lock_guard<std::mutex> lock(recentMutex_);
  return {recent_.rbegin(), recent_.rend()}; // newest first
}

void NodeMetrics::write(TextWriter& w) const {
  w.family("rivet_requests_total", "Agent channel requests answered, by endpoint and HTTP status",
           "counter");
  for (size_t e = 0; e < requests_.size(); ++e)
    for (size_t s = 0; s < requests_[e].size(); ++s)
      if (uint64_t n = requests_[e][s].load(std::memory_order_relaxed))
        w.sample("rivet_requests_total",
                 {{"endpoint", endpointName(static_cast<Endpoint>(e))},
                  {"status", std::to_string(static_cast<int>(s) + kMinStatus)}},
                 n);

  w.family("rivet_tasks_total",
           "Tasks run by this node's agents, by agent and status (busy: refused, every worker "
           "in use)",
           "counter");
  tasks_.forEach([&](const std::string& agent, const TaskSlot& slot) {
    for (int i = 0; i < kTaskStatuses; ++i)
      w.sample("rivet_tasks_total", {{"agent", agent}, {"status", kTaskStatusNames[i]}},
               slot.byStatus[static_cast<size_t>(i)].load(std::memory_order_relaxed));
  });
  w.family("rivet_task_duration_seconds", "How long this node's agents took per task", "histogram");
  tasks_.forEach([&](const std::string& agent, const TaskSlot& slot) {
    slot.duration.write(w, "rivet_task_duration_seconds", {{"agent", agent}});
  });

  w.family("rivet_delegations_total",
           "Calls to other nodes (delegations and forwarded requests), by peer and result",
           "counter");
  delegations_.forEach([&](const std::string& peer, const PeerSlot& slot) {
    for (size_t i = 0; i < slot.byResult.size(); ++i)
      if (uint64_t n = slot.byResult[i].load(std::memory_order_relaxed))
        w.sample(
            "rivet_delegations_total",
            {{"peer", peer}, {"result", delegationResultName(static_cast<DelegationResult>(i))}},
            n);
  });
  w.family("rivet_delegation_duration_seconds", "How long calls to other nodes took, by peer",
           "histogram");
  delegations_.forEach([&](const std::string& peer, const PeerSlot& slot) {
    slot.duration.write(w, "rivet_delegation_duration_seconds", {{"peer", peer}});
  });

  w.family("rivet_registry_read_seconds", "Reads of mesh.json (parse included)", "histogram");
  registryRead_.write(w, "rivet_registry_read_seconds", {});
  w.family("rivet_registry_write_seconds",
           "Locked read-modify-write updates of mesh.json (lock wait included)", "histogram");
  registryWrite_.write(w, "rivet_registry_write_seconds", {});
}

} // namespace rivet::metrics
