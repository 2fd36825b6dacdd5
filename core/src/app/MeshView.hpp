// The other nodes of mesh.json as delegation asks about them, indexed once per change of the
// file (MeshViewRefresher) so that the request path never walks or parses the registry.
#pragma once

#include "delegation/MeshDirectory.hpp"
#include "registry/Registry.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace rivet::app {

// Immutable once built: any number of threads read one view while the next is built. Whether a
// node is fresh (online and not stale) is judged at each call against the `now` it is given,
// never at build time, so a view answers as the registry it was built from would at that moment.
class MeshView {
public:
  MeshView() = default; // no other node
  // Every object entry of `registry` except `selfId`'s, in file order. The registry is untrusted
  // input: a field of the wrong type reads as absent, as the registry's own accessors do.
  MeshView(const registry::Registry& registry, std::string_view selfId);

  size_t size() const { return nodes_.size(); } // other nodes, fresh or not

  // The MeshDirectory questions (delegation/MeshDirectory.hpp), answered at `now` (epoch ms).
  std::vector<delegation::RemoteNode> candidates(const std::string& agentId, int64_t now,
                                                 int64_t staleThresholdMs) const;
  std::vector<std::string> unavailableHosts(const std::string& agentId, int64_t now,
                                            int64_t staleThresholdMs) const;
  std::vector<std::string> remoteAgents(int64_t now, int64_t staleThresholdMs) const;
  std::vector<delegation::RemoteAgent> reachableAgents(int64_t now, int64_t staleThresholdMs) const;

private:
  struct Agent {
    std::string id;
    std::string provider; // from metadata.agentDetails; empty when not there
    std::string model;
  };
  struct Node {
    delegation::RemoteNode address; // name, host, port (3000 when absent), lastSeen (0 when absent)
    bool online = false;
    std::vector<Agent> agents; // the record's string entries in its order, repeats kept
    bool fresh(int64_t now, int64_t staleThresholdMs) const;
  };

  // [begin, end) of the agent's group in inFileOrder_ and byRecency_; empty when unknown.
  std::pair<size_t, size_t> group(const std::string& agentId) const;

  std::vector<Node> nodes_; // file order
  // Every agent id any other node lists, numbered; each number's nodes (indexes into nodes_,
  // once per node) are one group of the two arrays below, from offsets_[slot] to
  // offsets_[slot + 1]. Flat arrays: a rebuild costs a few allocations, not one per agent.
  std::unordered_map<std::string, size_t> slots_;
  std::vector<size_t> offsets_;
  std::vector<size_t> inFileOrder_;
  std::vector<size_t> byRecency_; // lastSeen desc, ties in file order
};

} // namespace rivet::app
