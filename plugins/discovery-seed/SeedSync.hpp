// One exchange with the seed: pull its registry (GET /api/mesh) and report the records as hints,
// then announce this node (POST /api/mesh/join). Also decides what is worth a log line.
#pragma once

#include "SeedClient.hpp"
#include "SeedSettings.hpp"

#include <rivet/sdk/plugin.hpp>

#include <string>

namespace rivet::discovery_seed {

class SeedSync {
public:
  SeedSync(const sdk::Host& host, const SeedSettings& settings);

  /// Pulls the seed's nodes, reports them with one peers_seen call, then joins with `selfJson`
  /// (skipped while it is empty). False when the seed could not be reached or failed; the
  /// caller retries with backoff.
  bool syncAndJoin(const std::string& selfJson);
  /// Joins only: this node's record changed between two syncs. False as for syncAndJoin().
  bool join(const std::string& selfJson);

private:
  void failed(const std::string& reason);
  void synced(size_t count);

  sdk::Host host_;
  SeedSettings settings_;
  SeedClient client_;
  std::string loggedFailure_; // the reason last logged at WARN; empty while the seed answers
  bool announceSync_ = true;  // the next successful sync is logged at INFO
  std::string loggedRefusal_; // the seed's last join refusal logged at WARN
  bool joinedOnce_ = false;
};

} // namespace rivet::discovery_seed
