// The registry checks use ListCommand's strict reader and staleness rule; the pings use
// TransportClient, the node's own transport loaded with its certificate (as `rivetctl ping`).
#include "CheckMesh.hpp"

#include "ListCommand.hpp"
#include "LocalNode.hpp"
#include "TimeText.hpp"
#include "TransportClient.hpp"

#include "rivet/sdk/json.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>

namespace rivet::ctl {
namespace {

std::string seconds(int64_t ms) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f s", static_cast<double>(ms < 0 ? -ms : ms) / 1000.0);
  return buf;
}

std::string where(const registry::NodeRecord& n) {
  return printable(n.host()) + ":" + std::to_string(n.port());
}

void checkOwnEntry(const config::Config& config, const registry::Registry& r,
                   const std::string& path, int64_t nowMs, CheckGroup& g) {
  const auto& mesh = config.mesh;
  auto self = r.find(mesh.nodeName);
  const std::string start = "start rivetd for this configuration (systemctl start rivetd, or "
                            "rivetd --config " +
                            config.sourcePath + ") and look at its log";
  if (!self) {
    g.fail("this node (" + mesh.nodeName + ") has no entry in " + path,
           "rivetd writes it when it starts: " + start +
               "; if it runs, its mesh.storage_dir is not this folder");
    return;
  }
  std::string seen = "last seen " + age(nowMs, self->lastSeen());
  if (self->status() == "offline") {
    g.fail("this node (" + mesh.nodeName + ") is marked offline in " + path + " (" + seen + ")",
           "rivetd marked it offline when it stopped: " + start);
  } else if (isStale(*self, nowMs, mesh.staleThresholdMs)) {
    g.fail("this node's entry (" + mesh.nodeName + ") in " + path + " is stale: " + seen +
               ", more than mesh.stale_threshold_ms (" + std::to_string(mesh.staleThresholdMs) +
               " ms)",
           "its rivetd is not running or cannot write " + path + ": " + start);
  } else {
    g.ok("this node (" + mesh.nodeName + ") is " + printable(self->status()) + " in " + path +
         ", " + seen);
  }
}

void checkOtherNodes(const config::Config& config, const registry::Registry& r, int64_t nowMs,
                     CheckGroup& g) {
  const auto& mesh = config.mesh;
  int others = 0;
  for (const auto& n : r.nodes()) {
    if (n.id() == mesh.nodeName)
      continue;
    ++others;
    std::string name = printable(n.name().empty() ? n.id() : n.name());
    std::string about =
        "node " + name + " at " + where(n) + ", last seen " + age(nowMs, n.lastSeen());
    std::string status = n.status();
    if (status == "offline") {
      g.warn(about + ", is offline", "start its rivetd if it should run; `rivetctl forget " + name +
                                         "` removes it if it is gone for good");
    } else if (isStale(n, nowMs, mesh.staleThresholdMs)) {
      g.warn(about + ", is stale (" + printable(status) + " but not seen for more than " +
                 std::to_string(mesh.staleThresholdMs) + " ms)",
             "its rivetd stopped without marking itself offline, or cannot write the registry; "
             "look at that host");
    } else if (status != "online") {
      g.warn(about + ", is " + printable(status), "look at that node's log");
    } else {
      g.ok(about + ", is online");
    }
  }
  if (others == 0)
    g.ok("no other node in the registry");
}

// Another node's lastSeen is its own clock at its last heartbeat; read here, it can lie in this
// machine's future only by the difference of the two clocks (plus the time between the write and
// this read, which moves it the other way).
void checkClockSkew(const config::Config& config, const registry::Registry& r, int64_t nowMs,
                    CheckGroup& g) {
  const auto& mesh = config.mesh;
  const int64_t tolerance = mesh.heartbeatIntervalMs;
  int skewed = 0, looked = 0;
  for (const auto& n : r.nodes()) {
    if (n.id() == mesh.nodeName || n.lastSeen() <= 0)
      continue;
    ++looked;
    int64_t ahead = n.lastSeen() - nowMs;
    if (ahead <= tolerance)
      continue;
    ++skewed;
    std::string name = printable(n.name().empty() ? n.id() : n.name());
    g.warn("clock skew: node " + name + " wrote lastSeen " + isoTime(n.lastSeen()) + ", " +
               seconds(ahead) + " ahead of this machine's clock (" + isoTime(nowMs) +
               "; tolerance: mesh.heartbeat_interval_ms, " + std::to_string(tolerance) + " ms)",
           "one of the two clocks is wrong: check time synchronisation on " + name +
               " and here (timedatectl; chrony or systemd-timesyncd); a clock ahead hides a "
               "dead node from the stale check");
  }
  if (skewed == 0)
    g.ok("no clock skew: no node's lastSeen is more than " + std::to_string(tolerance) +
         " ms ahead of this machine's clock (" + std::to_string(looked) + " looked at)");
}

} // namespace

CheckGroup checkRegistry(const config::Config& config, int64_t nowMs,
                         std::optional<registry::Registry>& out) {
  CheckGroup g("registry");
  out.reset();
  const auto& mesh = config.mesh;
  if (!mesh.enabled) {
    g.ok("skipped: mesh.enabled is false");
    return g;
  }
  const std::string path = mesh.storageDir + "/mesh.json";
  try {
    out.emplace(readRegistryStrictly(path, mesh.registryMaxBytes));
  } catch (const std::exception& e) {
    g.fail(printable(e.what()),
           "check mesh.storage_dir (" + mesh.storageDir + ") in " + config.sourcePath +
               ": the shared folder must be mounted there and hold the registry rivetd writes; "
               "a file that is not a regular file (a link, a FIFO) or too large is never read");
    return g;
  }
  g.ok(path + " is readable: " + std::to_string(out->nodes().size()) + " node" +
       (out->nodes().size() == 1 ? "" : "s"));
  checkOwnEntry(config, *out, path, nowMs, g);
  checkOtherNodes(config, *out, nowMs, g);
  checkClockSkew(config, *out, nowMs, g);
  return g;
}

CheckGroup checkPeers(const config::Config& config, const registry::Registry* registry,
                      int64_t nowMs, const PeerBounds& bounds) {
  CheckGroup g("peers");
  const auto& mesh = config.mesh;
  if (!mesh.enabled) {
    g.ok("skipped: mesh.enabled is false");
    return g;
  }
  std::unique_ptr<TransportClient> client;
  try {
    client = std::make_unique<TransportClient>(config);
  } catch (const std::exception& e) {
    g.fail("cannot load the transport to ping peers: " + printable(e.what()),
           "fix the configuration and certificate problems above first");
    return g;
  }
  struct Target {
    std::string label, host, verifyName, expectNode;
    int port;
  };
  std::vector<Target> targets;
  std::string localHost =
      mesh.listenHost == "0.0.0.0" || mesh.listenHost == "::" ? "127.0.0.1" : mesh.listenHost;
  targets.push_back({"this node (" + mesh.nodeName + ")", localHost, mesh.nodeName + ".mesh",
                     mesh.nodeName, mesh.agentChannelPort});
  if (registry) {
    for (const auto& n : registry->nodes()) {
      if (n.id() == mesh.nodeName || n.status() != "online" ||
          isStale(n, nowMs, mesh.staleThresholdMs))
        continue;
      std::string name = n.name().empty() ? n.id() : n.name();
      targets.push_back({"peer " + printable(name), n.host(), name + ".mesh", name, n.port()});
    }
  }
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(bounds.totalMs);
  for (size_t i = 0; i < targets.size(); ++i) {
    const Target& t = targets[i];
    std::string at = t.label + " at " + printable(t.host) + ":" + std::to_string(t.port);
    auto started = std::chrono::steady_clock::now();
    int64_t left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - started).count();
    if (left < 100) {
      g.warn(at + ": not pinged, the bound of " + std::to_string(bounds.totalMs) +
                 " ms for every ping together was spent",
             "raise it with --timeout MS, or lower --peer-timeout MS");
      continue;
    }
    int64_t timeout = std::min(bounds.perPeerMs, left);
    PeerAnswer a = client->call(t.host, t.port, t.verifyName, "GET", "/api/mesh/ping", "", timeout);
    int64_t ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                     std::chrono::steady_clock::now() - started)
                     .count();
    std::string took = " (" + std::to_string(ms) + " ms)";
    std::string hint = i == 0 ? "start rivetd for this configuration and look at its log"
                              : "is its rivetd running and is " + printable(t.host) + ":" +
                                    std::to_string(t.port) +
                                    " reachable from here (firewall)? It shows online in the "
                                    "registry, so delegations to it will fail";
    if (a.result == RIVET_NET_TIMEOUT) {
      g.fail(at + ": no answer within " + std::to_string(timeout) + " ms" + took, hint);
      continue;
    }
    if (a.result != RIVET_NET_OK) {
      std::string e = printable(a.error);
      if (e.find("TLS") != std::string::npos || e.find("name mismatch") != std::string::npos ||
          e.find("certificate") != std::string::npos)
        hint = "the mTLS handshake failed: both certificates must come from the mesh CA, and "
               "the peer's must name " +
               t.verifyName + " (rivetctl check on that node shows which)";
      g.fail(at + ": ping over mTLS failed: " + e + took, hint);
      continue;
    }
    auto body = sdk::json::tryParse(a.body);
    std::string node = body && body->isObject() ? field(*body, "node") : "";
    if (a.status != 200) {
      g.fail(at + ": answered HTTP " + std::to_string(a.status) + ": " +
                 printable(a.body.substr(0, 200)) + took,
             "look at that node's log");
    } else if (node != t.expectNode) {
      g.warn(at + ": answered as node '" + node + "', not " + t.expectNode + took,
             "another node listens on that address; correct its registry entry or "
             "mesh.advertise_host");
    } else {
      g.ok(at + " answers ping over mTLS" + took);
    }
  }
  return g;
}

} // namespace rivet::ctl
