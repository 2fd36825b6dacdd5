// Reads mesh.json from mesh.storage_dir (tolerantly, as rivetd does) and prints it.
#include "ListCommand.hpp"

#include "TimeText.hpp"
#include "config/ConfigLoader.hpp"
#include "log/Log.hpp"
#include "registry/RegistryStore.hpp"

#include <cstdio>
#include <iostream>

namespace rivet::ctl {
namespace {

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& i : items)
    out += (out.empty() ? "" : ",") + i;
  return out.empty() ? "-" : out;
}

} // namespace

int listCommand(const std::string& command, const std::string& configPath,
                const std::vector<std::string>& args) {
  bool json = false;
  for (const auto& a : args) {
    if (a == "--json")
      json = true;
    else {
      std::cerr << "usage: rivetctl [--config FILE] " << command << " [--json]\n";
      return 2;
    }
  }
  log::configure(log::withEnvironment({"warn", "pretty", ""}));
  config::LoadResult loaded;
  try {
    loaded = config::loadConfigFile(configPath.empty() ? config::defaultConfigPath() : configPath);
  } catch (const config::ConfigError& e) {
    std::cerr << "rivetctl: configuration error: " << e.what() << "\n";
    return 1;
  }
  const auto& mesh = loaded.config.mesh;
  try {
    registry::RegistryStore store(mesh.storageDir, {}, mesh.registryMaxBytes);
    auto snapshot = store.snapshot();
    auto nodes = snapshot->nodes();
    int64_t now = store.now();
    if (command == "list") {
      if (json) {
        std::cout << registry::RegistryStore::nodesArrayJson(*snapshot) << "\n";
        return 0;
      }
      std::printf("%-8s %-20s %-22s %-30s %-10s %s\n", "STATUS", "NAME", "HOST:PORT", "AGENTS",
                  "LAST SEEN", "VERSION");
      for (const auto& n : nodes) {
        std::string where = n.host() + ":" + std::to_string(n.integer("port").value_or(0));
        std::string name =
            n.name() + (n.role() && *n.role() != "agent" ? " (" + *n.role() + ")" : "");
        std::printf("%-8s %-20s %-22s %-30s %-10s %s\n", n.status().c_str(), name.c_str(),
                    where.c_str(), joined(n.agents()).c_str(),
                    age(now, n.integer("lastSeen").value_or(0)).c_str(), n.version().c_str());
      }
      std::printf("%zu node%s in %s\n", nodes.size(), nodes.size() == 1 ? "" : "s",
                  store.path().c_str());
      return 0;
    }
    int agentTotal = 0, online = 0, offline = 0, degraded = 0, infra = 0;
    for (const auto& n : nodes) {
      if (n.role() && *n.role() != "agent") {
        ++infra;
        continue;
      }
      ++agentTotal;
      std::string s = n.status();
      online += s == "online";
      offline += s == "offline";
      degraded += s == "degraded";
    }
    if (json) {
      std::cout << "{\"totalNodes\":" << nodes.size() << ",\"agents\":{\"total\":" << agentTotal
                << ",\"online\":" << online << ",\"offline\":" << offline
                << ",\"degraded\":" << degraded << "},\"infrastructure\":{\"total\":" << infra
                << "},\"updatedAt\":\"" << isoTime(snapshot->updatedAt()) << "\"}\n";
      return 0;
    }
    std::printf("%zu nodes: %d agent nodes (%d online, %d offline, %d degraded), %d other\n",
                nodes.size(), agentTotal, online, offline, degraded, infra);
    std::printf("registry %s, updated %s\n", store.path().c_str(),
                snapshot->updatedAt() ? isoTime(snapshot->updatedAt()).c_str() : "never");
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "rivetctl: " << e.what() << "\n";
    return 1;
  }
}

} // namespace rivet::ctl
