// The settings of the seed discovery plugin (its part of `mesh:`), read and checked once at
// create time: where the seed is, who this node is, and how often to sync.
#pragma once

#include <cstdint>
#include <string>

namespace rivet::discovery_seed {

struct SeedSettings {
  std::string nodeName;
  std::string seedHost;
  int seedPort = 3000;                 // default: this node's channel port (`port`)
  int64_t heartbeatIntervalMs = 30000; // one sync per interval; also the backoff cap

  /// Reads the plugin settings JSON. Throws sdk::PluginError naming the key, e.g.
  /// `mesh.discovery.seed_host` when it is missing.
  static SeedSettings parse(const std::string& json);

  /// "<seed_host>:<seed_port>", as log lines show the seed.
  std::string seedAddress() const { return seedHost + ":" + std::to_string(seedPort); }
  /// The deadline of one request to the seed: at most 5 s, and never longer than an interval.
  int64_t requestTimeoutMs() const {
    return heartbeatIntervalMs < 5000 ? heartbeatIntervalMs : 5000;
  }
};

} // namespace rivet::discovery_seed
