// Verify before trust (docs/protocol.md §6): peers reported by discovery are reached over mTLS (the
// certificate must be valid for <name>.mesh), their /api/agents fetched, and only then written
// to the registry. Verified peers are re-verified every heartbeat interval, unreachable ones
// retried with capped backoff, all on this unit's own small pool, never on the heartbeat timer.
#pragma once

#include "delegation/DelegationEngine.hpp" // PeerCaller
#include "registry/RegistryStore.hpp"

#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace rivet::discovery {

struct VerifierSettings {
  std::string nodeName;
  int64_t heartbeatIntervalMs = 30000;
  int threads = 3;
};

class PeerVerifier {
public:
  PeerVerifier(VerifierSettings settings, registry::RegistryStore& store,
               delegation::PeerCaller caller);
  ~PeerVerifier();

  void start();
  void stop();
  // A JSON array of hints {"name","host","port",...}; new or changed peers are verified at once.
  void seen(std::string_view peersJson);
  // The peer announced it is gone: stop refreshing it (it goes stale, then offline).
  void lost(std::string_view name);

private:
  struct Peer {
    std::string name;
    std::string host;
    int port = 0;
    std::string hintJson; // the hint as reported (a full record from a seed)
    std::chrono::steady_clock::time_point due;
    int failures = 0;
    bool busy = false;
    bool verified = false;
    std::string lastError;
    std::string lastAgents;
  };
  void work();
  void verify(Peer peer); // a copy: the map may change meanwhile
  void finish(const std::string& name, bool ok, const std::string& error,
              const std::string& agents);

  VerifierSettings settings_;
  registry::RegistryStore& store_;
  delegation::PeerCaller caller_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::map<std::string, Peer> peers_;
  bool running_ = false;
  std::vector<std::thread> threads_;
};

} // namespace rivet::discovery
