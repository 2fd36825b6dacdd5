// The write path costs one read, one parse, one serialization, one fsync'd file and a rename;
// log lines are written after the lock is released, so logging never holds up other writers.
#include "registry/RegistryStore.hpp"

#include "log/Log.hpp"
#include "registry/AtomicFile.hpp"
#include "registry/JoinRequest.hpp"
#include "registry/JsonCodec.hpp"
#include "registry/RegistryError.hpp"
#include "registry/RegistryFile.hpp"
#include "registry/RegistryLock.hpp"
#include "registry/RegistryRules.hpp"
#include "registry/StorageDir.hpp"

#include <chrono>

namespace rivet::registry {
namespace {

int64_t systemNow() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

std::vector<std::string> logStale(const std::vector<StaleNode>& stale) {
  std::vector<std::string> names;
  for (const auto& s : stale) {
    log::get("Mesh")->warn("Node stale: {} ({}) — last seen {}s ago", s.name, s.id,
                           s.secondsSinceSeen);
    names.push_back(s.name);
  }
  return names;
}

} // namespace

RegistryStore::RegistryStore(const std::string& storageDir, Clock clock, int64_t maxBytes)
    : dir_(storageDir.empty() ? "/rivet-shared" : storageDir), path_(dir_ + "/mesh.json"),
      lockPath_(dir_ + "/mesh.json.lock"), clock_(clock ? std::move(clock) : Clock(systemNow)),
      reader_(path_, maxBytes) {}

int64_t RegistryStore::now() const {
  return clock_();
}

namespace {

// Records the time from construction to destruction (also when an exception leaves).
class Timed {
public:
  explicit Timed(metrics::Histogram* h) : h_(h), start_(std::chrono::steady_clock::now()) {}
  ~Timed() {
    if (h_)
      h_->observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count());
  }
  Timed(const Timed&) = delete;
  Timed& operator=(const Timed&) = delete;

private:
  metrics::Histogram* h_;
  std::chrono::steady_clock::time_point start_;
};

} // namespace

std::shared_ptr<const Registry> RegistryStore::snapshot() {
  Timed timed(readTimer_.load(std::memory_order_relaxed));
  return reader_.read();
}

bool RegistryStore::update(const std::function<bool(Registry&)>& change) {
  Timed timed(writeTimer_.load(std::memory_order_relaxed));
  StorageDir::prepare(dir_);
  RegistryLock lock(lockPath_);
  for (int attempt = 1; attempt <= kWriteAttempts; ++attempt) {
    RegistryReader::ForUpdate current = reader_.readForUpdate();
    bool write = change(current.registry) || current.healed;
    if (write) {
      current.registry.setUpdatedAt(now());
      // Checked after the fsync, the slow part, so the window left to a writer without the lock
      // is one read and a rename.
      if (!AtomicFile::replace(path_, RegistryFile::serialize(current.registry),
                               [&] { return reader_.unchangedSince(current); }))
        continue; // another program wrote meanwhile: apply the change to its version
    }
    reader_.remember(std::move(current.registry));
    return write;
  }
  throw RegistryError(RegistryError::Kind::Io,
                      path_ + " changed again between each read and write (" +
                          std::to_string(kWriteAttempts) +
                          " attempts): not written, so that the other program's changes are "
                          "kept; a program rewrites it without taking mesh.json.lock");
}

void RegistryStore::registerSelf(const NodeRecord& self) {
  update([&](Registry& r) {
    applyRegistration(r, self, now());
    return true;
  });
  log::get("Mesh")->info("Node registered: {} ({}) at {}:{}", self.name(), self.id(), self.host(),
                         self.port());
}

void RegistryStore::updateSelf(const NodeRecord& self) {
  update([&](Registry& r) {
    applySelfUpdate(r, self, now());
    return true;
  });
  log::get("Mesh")->info("Node updated: {} ({})", self.name(), self.id());
}

bool RegistryStore::heartbeat(const NodeRecord& self) {
  return beat(self, std::nullopt).reregistered;
}

std::vector<std::string> RegistryStore::prune(std::string_view selfId, int64_t staleThresholdMs) {
  std::vector<StaleNode> stale;
  update([&](Registry& r) {
    stale = applyPrune(r, selfId, staleThresholdMs, now());
    return !stale.empty();
  });
  return logStale(stale);
}

RegistryStore::Tick RegistryStore::heartbeatAndPrune(const NodeRecord& self,
                                                     int64_t staleThresholdMs) {
  return beat(self, staleThresholdMs);
}

RegistryStore::Tick RegistryStore::beat(const NodeRecord& self,
                                        std::optional<int64_t> staleThresholdMs) {
  bool reregistered = false;
  std::vector<StaleNode> stale;
  update([&](Registry& r) {
    int64_t t = now();
    reregistered = applyHeartbeat(r, self, t);
    if (staleThresholdMs)
      stale = applyPrune(r, self.id(), *staleThresholdMs, t);
    return true;
  });
  if (reregistered)
    log::get("Mesh")->info("Node re-registered: {} ({}) — its entry had vanished from {}",
                           self.name(), self.id(), path_);
  return {reregistered, logStale(stale)};
}

bool RegistryStore::markOffline(std::string_view selfId) {
  bool marked = update([&](Registry& r) { return applyStatus(r, selfId, "offline"); });
  if (marked)
    log::get("Mesh")->info("Node deregistered: {} marked offline in {}", selfId, path_);
  return marked;
}

std::string RegistryStore::join(const NodeRecord& checked) {
  std::string nodes;
  update([&](Registry& r) {
    applyJoin(r, checked, now());
    nodes = nodesArrayJson(r);
    return true;
  });
  return nodes;
}

bool RegistryStore::upsertVerified(const NodeRecord& hint, int64_t lastSeen) {
  NodeRecord node = hint;
  std::string problem = checkNodeRecord(node);
  if (!problem.empty())
    throw RegistryError(RegistryError::Kind::Invalid, "discovered node " + hint.name() +
                                                          " not written to " + path_ + ": " +
                                                          problem);
  return update([&](Registry& r) { return applyVerified(r, node, lastSeen); });
}

std::string RegistryStore::nodesJson() {
  return nodesArrayJson(*snapshot());
}

std::vector<NodeRecord> RegistryStore::findByAgent(std::string_view agentId,
                                                   int64_t staleThresholdMs) {
  return candidatesForAgent(*snapshot(), agentId, staleThresholdMs, now());
}

std::string RegistryStore::nodesArrayJson(const Registry& registry) {
  std::string out = "[";
  for (const auto& m : registry.nodesObject().GetObject()) {
    if (out.size() > 1)
      out += ',';
    appendJson(out, m.value);
  }
  out += ']';
  return out;
}

} // namespace rivet::registry
