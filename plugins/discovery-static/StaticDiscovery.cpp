// discovery-static: reports the peers listed in `mesh.peers` once at start-up. The core verifies
// each over mTLS and keeps retrying those that are down. Loaded by `mesh.discovery.mode: static`.
#include "StaticPeers.hpp"

#include <rivet/sdk/plugin.hpp>

namespace {

using rivet::discovery_static::StaticPeers;

class StaticDiscovery : public rivet::sdk::Discovery {
public:
  explicit StaticDiscovery(const rivet::sdk::Host& host)
      : Discovery(host), settings_(StaticPeers::parse(host.configJson())) {}

  void start() override {
    const size_t count = settings_.otherCount();
    if (count == 0) {
      host().info("mesh.peers lists only this node (" + settings_.nodeName +
                  "); no peers to report");
      return;
    }
    std::string names;
    for (const auto& peer : settings_.peers) {
      if (peer.name != settings_.nodeName)
        names += (names.empty() ? "" : ", ") + peer.name + " (" + peer.host + ":" +
                 std::to_string(peer.port) + ")";
    }
    host().info("Reporting " + std::to_string(count) + " static peer" + (count == 1 ? "" : "s") +
                ": " + names);
    const std::string hints = settings_.hintsJson();
    host().raw()->peers_seen(host().raw()->host, rivet::sdk::str(hints));
  }

private:
  StaticPeers settings_;
};

} // namespace

RIVET_PLUGIN(StaticDiscovery, "discovery-static", "1.0.0",
             "Reports the peers listed in mesh.peers to the node, which verifies them")
