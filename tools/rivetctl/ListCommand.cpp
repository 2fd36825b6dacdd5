// Reads mesh.json from mesh.storage_dir (strictly: a missing or invalid file is an error) and
// prints it; `status` exits 1 when a node is unhealthy.
#include "ListCommand.hpp"

#include "LocalNode.hpp"
#include "TimeText.hpp"
#include "registry/AtomicFile.hpp"
#include "registry/RegistryError.hpp"
#include "registry/RegistryFile.hpp"
#include "registry/RegistryStore.hpp"
#include "util/JsonText.hpp"

#include <chrono>
#include <cstdio>
#include <iostream>
#include <stdexcept>
#include <thread>

namespace rivet::ctl {
namespace {

const char* kListUsage = R"(usage: rivetctl [--config FILE] list [--json]

Prints the registry (mesh.json in mesh.storage_dir of the configuration): each node's status
(online, offline, degraded; "stale" when online but not seen for mesh.stale_threshold_ms),
name (and role), address, agents, when it was last seen and its version.

options:
  --json      print the nodes as a JSON array, every field as mesh.json has it
  --help      show this help

exit status: 0 listed, 1 no configuration, or the registry is missing, unreadable or invalid
             (the message names the file), 2 usage error
)";

const char* kStatusUsage = R"(usage: rivetctl [--config FILE] status [--json]

Counts the nodes of the registry (mesh.json): agent nodes online, offline, degraded and stale
(online but not seen for mesh.stale_threshold_ms), and other (infrastructure) nodes.

options:
  --json      print the counts as one JSON object ("healthy": false when a node is offline or
              stale)
  --help      show this help

exit status: 0 every node is healthy, 1 a node is offline or stale (or no configuration, or the
             registry is missing, unreadable or invalid), 2 usage error
)";

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& i : items)
    out += (out.empty() ? "" : ",") + i;
  return out.empty() ? "-" : out;
}

} // namespace

registry::Registry readRegistryStrictly(const std::string& path, int64_t maxBytes) {
  // Another program may rewrite the file in place (RivetOS does): a torn read is retried
  // briefly before it counts as invalid.
  for (int attempt = 0;; ++attempt) {
    try {
      auto text = registry::AtomicFile::read(path, maxBytes);
      if (!text)
        throw std::runtime_error("the registry " + path +
                                 " does not exist: no node has registered there yet; check "
                                 "mesh.storage_dir, or start rivetd");
      return registry::RegistryFile::parse(*text, path);
    } catch (const registry::RegistryError& e) {
      if (e.kind() != registry::RegistryError::Kind::Invalid || attempt == 4)
        throw std::runtime_error(std::string("cannot read the registry: ") + e.what());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

bool isStale(const registry::NodeRecord& n, int64_t nowMs, int64_t staleThresholdMs) {
  return n.status() != "offline" && nowMs - n.lastSeen() > staleThresholdMs;
}

int listCommand(const std::string& command, const std::string& configPath,
                const std::vector<std::string>& args) {
  bool json = false;
  for (const auto& a : args) {
    if (a == "--help" || a == "-h") {
      std::cout << (command == "list" ? kListUsage : kStatusUsage);
      return kExitOk;
    }
    if (a != "--json")
      return usageError(command, (a.rfind("-", 0) == 0 ? "unknown option '" : "unexpected '") +
                                     printable(a) + "'");
    json = true;
  }
  config::LoadResult loaded;
  if (!loadConfig(configPath, loaded))
    return kExitFailed;
  const auto& mesh = loaded.config.mesh;
  try {
    registry::RegistryStore store(mesh.storageDir, {}, mesh.registryMaxBytes);
    registry::Registry snapshot = readRegistryStrictly(store.path(), mesh.registryMaxBytes);
    auto nodes = snapshot.nodes();
    int64_t now = store.now();
    if (command == "list") {
      if (json) {
        std::cout << registry::RegistryStore::nodesArrayJson(snapshot) << "\n";
        return kExitOk;
      }
      std::printf("%-8s %-20s %-22s %-30s %-10s %s\n", "STATUS", "NAME", "HOST:PORT", "AGENTS",
                  "LAST SEEN", "VERSION");
      for (const auto& n : nodes) {
        std::string where = n.host() + ":" + std::to_string(n.integer("port").value_or(0));
        std::string name =
            n.name() + (n.role() && *n.role() != "agent" ? " (" + *n.role() + ")" : "");
        std::string status = isStale(n, now, mesh.staleThresholdMs) ? "stale" : n.status();
        std::printf("%-8s %-20s %-22s %-30s %-10s %s\n", printable(status).c_str(),
                    printable(name).c_str(), printable(where).c_str(),
                    printable(joined(n.agents())).c_str(), age(now, n.lastSeen()).c_str(),
                    printable(n.version()).c_str());
      }
      std::printf("%zu node%s in %s\n", nodes.size(), nodes.size() == 1 ? "" : "s",
                  store.path().c_str());
      return kExitOk;
    }
    int agentTotal = 0, online = 0, offline = 0, degraded = 0, stale = 0, infra = 0;
    int unhealthy = 0;
    for (const auto& n : nodes) {
      bool nodeStale = isStale(n, now, mesh.staleThresholdMs);
      unhealthy += nodeStale || n.status() == "offline";
      if (n.role() && *n.role() != "agent") {
        ++infra;
        continue;
      }
      ++agentTotal;
      std::string s = n.status();
      online += s == "online";
      offline += s == "offline";
      degraded += s == "degraded";
      stale += nodeStale;
    }
    if (json) {
      std::cout << "{\"totalNodes\":" << nodes.size() << ",\"agents\":{\"total\":" << agentTotal
                << ",\"online\":" << online << ",\"offline\":" << offline
                << ",\"degraded\":" << degraded << ",\"stale\":" << stale
                << "},\"infrastructure\":{\"total\":" << infra << "},\"unhealthy\":" << unhealthy
                << ",\"healthy\":" << (unhealthy ? "false" : "true")
                << ",\"registry\":" << util::jsonString(store.path()) << ",\"updatedAt\":\""
                << isoTime(snapshot.updatedAt()) << "\"}\n";
    } else {
      std::printf("%zu nodes: %d agent nodes (%d online, %d offline, %d degraded, %d stale), %d "
                  "other\n",
                  nodes.size(), agentTotal, online, offline, degraded, stale, infra);
      std::printf("registry %s, updated %s\n", store.path().c_str(),
                  snapshot.updatedAt() ? isoTime(snapshot.updatedAt()).c_str() : "never");
      if (unhealthy)
        std::printf("unhealthy: %d node%s offline or stale\n", unhealthy,
                    unhealthy == 1 ? "" : "s");
    }
    return unhealthy ? kExitFailed : kExitOk;
  } catch (const std::exception& e) {
    std::cerr << "rivetctl: " << e.what() << "\n";
    return kExitFailed;
  }
}

} // namespace rivet::ctl
