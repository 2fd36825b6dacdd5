// The chain rules every delegation obeys, and the refusal texts they produce: a depth limit
// (mesh.max_chain_depth) and no cycles along the task's path of "agent@node" hops.
#pragma once

#include "delegation/CircuitBreaker.hpp"
#include "delegation/MeshDirectory.hpp"
#include "plugin/AgentSet.hpp"
#include "plugin/TaskContext.hpp"

#include <cstdint>
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

// The roster JSON of abi.h for agent `caller` running `task` (null: a new task of it).
std::string buildRoster(const EngineSettings& settings, const plugin::AgentSet& agents,
                        MeshDirectory* directory, const CircuitBreaker& breaker,
                        const std::string& caller, const plugin::TaskContext* task);

} // namespace rivet::delegation
