// This node's membership of the mesh through mesh.json: its own entry (registered at start,
// heartbeat and prune on a timer, offline at a clean stop), the registry endpoints' logic, and
// the view of other nodes that delegation uses (a MeshView, kept current in the background).
#pragma once

#include "app/MeshViewRefresher.hpp"
#include "channel/RegistryEndpoints.hpp"
#include "config/Config.hpp"
#include "delegation/MeshDirectory.hpp"
#include "plugin/AgentSet.hpp"
#include "policy/Gate.hpp"
#include "registry/RegistryStore.hpp"

#include <condition_variable>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>

namespace rivet::app {

using channel::EndpointAnswer;

class Membership : public delegation::MeshDirectory, public channel::RegistryEndpoints {
public:
  // Throws StartupError naming the file when mesh.json is a folder, a FIFO, a link or too large.
  Membership(const config::Mesh& mesh, const plugin::AgentSet& agents);
  ~Membership() override;

  // Registers this node and starts the heartbeat timer. Throws std::runtime_error naming the
  // file when mesh.json cannot be written (or is a legacy array).
  void start();
  // Stops the timer and marks this node offline.
  void stop();
  // The agent list changed (hot-drop): rewrite the own entry now.
  void agentsChanged();

  // GET /api/mesh and POST /api/mesh/join (docs/protocol.md §3).
  EndpointAnswer nodes() override;
  EndpointAnswer join(std::string_view body, std::string_view peerCn) override;

  // MeshDirectory, answered from the last published view without reading mesh.json. A change
  // another node writes is seen once the file is replaced (a node on this machine) or within
  // MeshViewRefresher::kPoll (another machine's), and in a mesh so busy that the rebuild budget
  // runs out within MeshViewRefresher::intervalFor(heartbeat); one this node writes
  // (registration, heartbeat and prune, join, agents) as soon as the write returns.
  std::vector<delegation::RemoteNode> candidates(const std::string& agentId) override;
  std::vector<std::string> unavailableHosts(const std::string& agentId) override;
  std::vector<std::string> remoteAgents() override;
  std::vector<delegation::RemoteAgent> reachableAgents() override;

  registry::RegistryStore& store() { return store_; }
  // The policy whose summary this node's record carries (metadata.policy); before start().
  void setPolicy(const policy::Gate* gate) { policy_ = gate; }
  // This node's own record as JSON (for discovery plugins that announce it).
  std::string selfJson() const;
  // mesh.json as the view above was built from it, for the metrics listener (no file read).
  std::shared_ptr<const registry::Registry> registry(std::string& failure) const {
    return view_.registry(failure);
  }

private:
  registry::NodeRecord selfRecord() const;
  void loop();
  // Whether a join of `node` (checked, not yet written) is logged at INFO rather than DEBUG.
  bool joinIsNews(const registry::NodeRecord& node);

  static constexpr size_t kJoinedRemembered = 4096;

  const config::Mesh& mesh_;
  const plugin::AgentSet& agents_;
  const policy::Gate* policy_ = nullptr;
  registry::RegistryStore store_;
  MeshViewRefresher view_; // after store_, which it reads
  std::mutex mutex_;
  std::condition_variable wake_;
  bool running_ = false;
  std::thread timer_;
  std::set<std::string> joined_; // ids whose join was logged at INFO (under mutex_)
};

} // namespace rivet::app
