// `rivetctl check`, registry and peers: mesh.json read strictly (as `rivetctl list` reads it),
// this node's entry, stale and offline nodes, clock skew seen in other nodes' lastSeen, and a
// ping over mTLS to this node and to each online peer.
#pragma once

#include "CheckReport.hpp"

#include "config/Config.hpp"
#include "registry/Registry.hpp"

#include <cstdint>
#include <optional>

namespace rivet::ctl {

// The registry group; `out` is the registry read, or nullopt when it could not be read.
CheckGroup checkRegistry(const config::Config& config, int64_t nowMs,
                         std::optional<registry::Registry>& out);

struct PeerBounds {
  int64_t perPeerMs = 3000; // --peer-timeout
  int64_t totalMs = 20000;  // --timeout: every ping together
};

// The peers group: this node at its local address, then every other node of `registry` that is
// online and fresh, at the host and port it registered, expecting <name>.mesh.
CheckGroup checkPeers(const config::Config& config, const registry::Registry* registry,
                      int64_t nowMs, const PeerBounds& bounds);

} // namespace rivet::ctl
