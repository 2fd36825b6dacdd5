// mesh.json shared by every node: tolerant reads, and writes that lock, re-read, change only
// their own part and replace the file atomically. One instance per storage folder, thread-safe.
#pragma once

#include "registry/NodeRecord.hpp"
#include "registry/Registry.hpp"
#include "registry/RegistryReader.hpp"

#include "metrics/Prometheus.hpp"

#include <atomic>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rivet::registry {

class RegistryStore {
public:
  using Clock = std::function<int64_t()>; // epoch milliseconds; the default reads the system clock
  static constexpr int kWriteAttempts = 5;

  // Reads of mesh.json are bounded by `maxBytes` (mesh.registry_max_bytes).
  explicit RegistryStore(const std::string& storageDir, Clock clock = {},
                         int64_t maxBytes = 64 * 1024 * 1024);
  const std::string& path() const { return path_; } // <storageDir>/mesh.json
  int64_t now() const;

  // The registry as it is now (see RegistryReader::read). Throws only for a legacy file.
  std::shared_ptr<const Registry> snapshot();

  // One locked read-modify-write: lock <dir>/mesh.json.lock, re-read, `change`, and when it
  // returns true (or the file had to be healed) stamp updatedAt and replace the file
  // atomically. Programs that take no lock (RivetOS rewrites in place) are not overwritten: if
  // the file changed after the read, it is read again and `change` runs again on the new copy
  // (so `change` must set, not accumulate, what it reports), up to kWriteAttempts times.
  // Returns whether the file was written. Throws RegistryError (Legacy, Io, NoGoodCopy, or Io
  // when the file kept changing); the file is then untouched.
  bool update(const std::function<bool(Registry&)>& change);

  // Start-up: own entry from `self` (hand-added fields kept), online, lastSeen = registeredAt
  // = now. Logs "Node registered: <name> (<id>) at <host>:<port>".
  void registerSelf(const NodeRecord& self);
  // The own entry's runtime fields changed (agents): rewritten from `self`, registeredAt kept.
  // Logs "Node updated: <name> (<id>)".
  void updateSelf(const NodeRecord& self);
  // Own lastSeen = now, status online. Re-adds a vanished entry and logs that it did; true then.
  bool heartbeat(const NodeRecord& self);
  // docs/protocol.md §5 prune; logs "Node stale: ..." for each and returns their names.
  std::vector<std::string> prune(std::string_view selfId, int64_t staleThresholdMs);

  struct Tick {
    bool reregistered = false;
    std::vector<std::string> pruned; // names
  };
  // The timer tick: heartbeat and prune in one locked write.
  Tick heartbeatAndPrune(const NodeRecord& self, int64_t staleThresholdMs);

  // Clean stop: own status offline. false when the entry is absent or already offline.
  bool markOffline(std::string_view selfId);

  // POST /api/mesh/join with a record from checkJoinBody: writes it (see applyJoin) and returns
  // the JSON array of every node after the write, for {"status":"ok","nodes":...}.
  std::string join(const NodeRecord& checked);

  // A seed/mDNS hint this node reached over mTLS: written with status online and `lastSeen`
  // unless the file already has a newer lastSeen for it. Throws RegistryError (Kind::Invalid)
  // with checkNodeRecord's text when the hint is not a valid node. true when written.
  bool upsertVerified(const NodeRecord& hint, int64_t lastSeen);

  // GET /api/mesh: every node in file order, all statuses, as one compact JSON array.
  std::string nodesJson();
  // Nodes hosting `agentId` that are online and not stale, most recent lastSeen first.
  std::vector<NodeRecord> findByAgent(std::string_view agentId, int64_t staleThresholdMs);

  static std::string nodesArrayJson(const Registry& registry);

  // Where snapshot() and update() record how long they took (null: nowhere); the histograms
  // outlive this store.
  void setTimers(metrics::Histogram* read, metrics::Histogram* write) {
    readTimer_.store(read);
    writeTimer_.store(write);
  }

private:
  Tick beat(const NodeRecord& self, std::optional<int64_t> staleThresholdMs);

  std::string dir_;
  std::string path_;
  std::string lockPath_;
  Clock clock_;
  RegistryReader reader_;
  std::atomic<metrics::Histogram*> readTimer_{nullptr};
  std::atomic<metrics::Histogram*> writeTimer_{nullptr};
};

} // namespace rivet::registry
