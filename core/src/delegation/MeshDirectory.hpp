// What delegation needs to know about the rest of the mesh: which nodes can run an agent.
// Implemented over the registry; absent when the mesh is disabled.
#pragma once

#include "policy/RuleSet.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace rivet::delegation {

struct RemoteNode {
  std::string name;
  std::string host;
  int port = 0;
  int64_t lastSeen = 0;
  // Its registry record lists "tasks" in metadata.features: a rivet-mesh node with the task
  // API, to which a delegation goes as a task (cancel and progress flow through it).
  bool tasks = false;
  // Its registry record's policy summary (metadata.policy; null: none or unreadable) and the
  // revision of it, which changes with any rule.
  std::shared_ptr<const policy::RuleSet> policy;
  std::string policyRevision;
};

// An agent of another node, as its registry record describes it.
struct RemoteAgent {
  std::string id;
  std::string node;
  std::string provider; // empty: not in the record
  std::string model;
  std::shared_ptr<const policy::RuleSet> policy; // its node's, as in RemoteNode
  std::string policyRevision;
};

class MeshDirectory {
public:
  virtual ~MeshDirectory() = default;
  // Other nodes listing `agentId`, online and not stale, most recently seen first.
  virtual std::vector<RemoteNode> candidates(const std::string& agentId) = 0;
  // Names of other nodes listing `agentId` that are offline or stale.
  virtual std::vector<std::string> unavailableHosts(const std::string& agentId) = 0;
  // Agent ids hosted by other nodes that are online and not stale.
  virtual std::vector<std::string> remoteAgents() = 0;
  // Every agent of every other node that is online and not stale, one entry per node.
  virtual std::vector<RemoteAgent> reachableAgents() { return {}; }
};

} // namespace rivet::delegation
