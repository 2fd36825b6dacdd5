// The chain rules every delegation obeys, and the refusal texts they produce: a depth limit
// (mesh.max_chain_depth) and no cycles along the task's path of "agent@node" hops.
#pragma once

#include "delegation/CircuitBreaker.hpp"
#include "delegation/MeshDirectory.hpp"
#include "plugin/AgentSet.hpp"
#include "plugin/TaskContext.hpp"

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace rivet::delegation {

struct EngineSettings;

bool onPath(const std::vector<std::string>& path, const std::string& hop);

// RivetOS's text, naming our key: "Delegation chain depth limit reached (N). Chain: a → b at
// depth D. Increase mesh.max_chain_depth in config if deeper chains are needed."
std::string depthRefusal(int maxDepth, const std::string& from, const std::string& to,
                         int64_t depth);

// "Delegation cycle refused: b@n2 is already on this task's path (a@n1 → b@n2 → a@n1 → b@n2)".
std::string cycleRefusal(const std::vector<std::string>& path, const std::string& hop);

// Whether an agent (of this node: `node` empty) would refuse `caller` by its policy.
using RefusesCaller = std::function<bool(const std::string& agent, const RemoteAgent* remote)>;

// The roster JSON of abi.h for agent `caller` running `task` (null: a new task of it), without
// the agents `refuses` names.
std::string buildRoster(const EngineSettings& settings, const plugin::AgentSet& agents,
                        MeshDirectory* directory, const CircuitBreaker& breaker,
                        const std::string& caller, const plugin::TaskContext* task,
                        const RefusesCaller& refuses);

} // namespace rivet::delegation
