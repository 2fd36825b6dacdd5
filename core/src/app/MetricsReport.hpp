// What the metrics listener shows of one Node (docs/operations-metrics.md): the core's counters,
// the transport's (ABI 1.4 metrics()), worker pools, circuit breakers, heartbeat ages from
// mesh.json, health and readiness, and the status page's JSON.
#pragma once

#include "app/MetricsServer.hpp"

#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>

namespace rivet::app {

class Node;

class MetricsReport : public MetricsSource {
public:
  static constexpr size_t kMaxNodes = 64;           // heartbeat gauges, status page rows
  static constexpr size_t kMaxTransportLabels = 16; // reasons per transport map
  static constexpr size_t kMaxAgentsShown = 32;     // agents listed per node on the page

  explicit MetricsReport(Node& node);

  std::string metricsText() override;
  Verdict health() override;
  Verdict readiness() override;
  std::string statusJson() override;

private:
  std::string transportJson();
  // Whole days until this node's certificate expires (re-read at most once a minute); none
  // without TLS or when it cannot be read.
  std::optional<int64_t> certSecondsLeft();

  Node& node_;
  std::mutex certMutex_;
  std::chrono::steady_clock::time_point certReadAt_{};
  std::optional<int64_t> certNotAfter_;
};

} // namespace rivet::app
