// The figures the core counts while it works (docs/operations-metrics.md): requests by endpoint
// and status, tasks by agent and status with their durations, delegations by peer and result,
// registry read and write latency, and a bounded ring of recent delegations and failures for
// the status page. Counting is wait-free once a label value is known; only the ring of recent
// events, touched by delegations and failed tasks, takes a lock.
#pragma once

#include "metrics/Prometheus.hpp"

#include <rivet/sdk/abi.h>

#include <atomic>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace rivet::metrics {

// The endpoints of the agent channel, as counted (the query string is ignored).
enum class Endpoint { Message, Agents, Mesh, MeshJoin, MeshPing, Tasks, A2a, Other, Count };
Endpoint endpointOf(std::string_view path);
const char* endpointName(Endpoint e);

// What a delegation (a call to another node) came to.
enum class DelegationResult {
  Completed,
  Failed,
  Timeout,
  Rejected,
  NotDelivered, // the request did not reach the agent; the next node was tried
  CircuitOpen,  // skipped: the peer's circuit breaker is open
  Abandoned,    // the delegating task was cancelled while waiting
  Count
};
const char* delegationResultName(DelegationResult r);
DelegationResult delegationResultOf(rivet_task_status s);

// One entry of the recent-events ring.
struct RecentEvent {
  int64_t atMs = 0;  // epoch milliseconds
  std::string kind;  // "delegation" or "task"
  std::string agent; // the agent asked for
  std::string peer;  // delegation: the node called; task: empty
  std::string result;
  int64_t durationMs = 0;
};

class NodeMetrics {
public:
  static constexpr size_t kMaxAgents = 64;
  static constexpr size_t kMaxPeers = 64;
  static constexpr size_t kRecent = 50;
  static constexpr int kTaskStatuses = 5; // completed, failed, timeout, rejected, busy

  // A request of the agent channel was answered with `status`.
  void request(Endpoint e, int status);
  // A task of a local agent ended (`busy`: the worker pool was full, it never ran).
  void taskEnded(const std::string& agent, rivet_task_status status, bool busy, double seconds);
  void delegation(const std::string& peer, const std::string& agent, DelegationResult r,
                  double seconds);
  Histogram& registryRead() { return registryRead_; }
  Histogram& registryWrite() { return registryWrite_; }

  // The families above, in the text format.
  void write(TextWriter& w) const;
  std::vector<RecentEvent> recent() const;

private:
  struct TaskSlot {
    std::array<std::atomic<uint64_t>, kTaskStatuses> byStatus{};
    Histogram duration{Histogram::Kind::Task};
  };
  struct PeerSlot {
    std::array<std::atomic<uint64_t>, static_cast<size_t>(DelegationResult::Count)> byResult{};
    Histogram duration{Histogram::Kind::Task};
  };
  void remember(RecentEvent e);

  static constexpr int kMinStatus = 100, kStatuses = 500; // 100..599
  std::array<std::array<std::atomic<uint64_t>, kStatuses>, static_cast<size_t>(Endpoint::Count)>
      requests_{};
  LabelSlots<TaskSlot, kMaxAgents> tasks_;
  LabelSlots<PeerSlot, kMaxPeers> delegations_;
  Histogram registryRead_{Histogram::Kind::Registry};
  Histogram registryWrite_{Histogram::Kind::Registry};
  mutable std::mutex recentMutex_;
  std::deque<RecentEvent> recent_;
};

} // namespace rivet::metrics
