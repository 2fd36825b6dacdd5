// discovery-seed: learns the mesh from a seed node and announces this node to it. A background
// thread syncs at start-up and every heartbeat interval, retrying an unreachable seed with
// capped backoff. Loaded by `mesh.discovery.mode: seed` with `seed_host` (and `seed_port`).
#include "Backoff.hpp"
#include "SeedSettings.hpp"
#include "SeedSync.hpp"

#include <rivet/sdk/plugin.hpp>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

namespace {

using rivet::discovery_seed::Backoff;
using rivet::discovery_seed::SeedSettings;
using rivet::discovery_seed::SeedSync;
using Clock = std::chrono::steady_clock;

constexpr int64_t kFirstRetryMs = 250;

class SeedDiscovery : public rivet::sdk::Discovery {
public:
  explicit SeedDiscovery(const rivet::sdk::Host& host)
      : Discovery(host), settings_(SeedSettings::parse(host.configJson())), sync_(host, settings_) {
  }
  ~SeedDiscovery() override { stop(); }

  void start() override {
    host().info("Seed discovery via " + settings_.seedAddress() + ", every " +
                std::to_string(settings_.heartbeatIntervalMs) + " ms");
    stopping_ = false;
    thread_ = std::thread([this] { run(); });
  }

  void stop() override {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable())
      thread_.join();
  }

  void selfChanged(std::string_view selfJson) override {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (selfJson == self_)
        return;
      self_ = std::string(selfJson);
      joinDue_ = true;
    }
    wake_.notify_all();
  }

private:
  // Syncs now, then every interval; after a failure retries sooner, backing off up to the
  // interval. A changed own record is announced at once while the seed answers. Every wait
  // ends as soon as stop() is called; a request in flight ends within its deadline.
  void run() {
    const int64_t interval = settings_.heartbeatIntervalMs;
    Backoff backoff(kFirstRetryMs, interval);
    bool healthy = true;
    Clock::time_point nextSync = Clock::now();
    std::unique_lock<std::mutex> lock(mutex_);
    while (!stopping_) {
      wake_.wait_until(lock, nextSync, [&] { return stopping_ || (joinDue_ && healthy); });
      if (stopping_)
        break;
      const bool full = Clock::now() >= nextSync;
      const std::string self = self_;
      joinDue_ = false;
      lock.unlock();
      const bool ok = full ? sync_.syncAndJoin(self) : sync_.join(self);
      lock.lock();
      if (ok) {
        healthy = true;
        backoff.reset();
        if (full)
          nextSync = Clock::now() + std::chrono::milliseconds(interval);
      } else {
        healthy = false;
        nextSync = Clock::now() + std::chrono::milliseconds(backoff.next());
      }
    }
  }

  SeedSettings settings_;
  SeedSync sync_; // used by the sync thread only
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  bool joinDue_ = false;
  std::string self_; // this node's record, as the host last gave it
  std::thread thread_;
};

} // namespace

RIVET_PLUGIN(SeedDiscovery, "discovery-seed", "1.0.0",
             "Learns peers from a seed node's /api/mesh and joins the seed's registry")
