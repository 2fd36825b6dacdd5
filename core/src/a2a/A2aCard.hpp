// An Agent Card (A2A v1.0) for each agent the node can reach (docs/a2a.md "Agent Cards"): its
// JSON-RPC interface at <public_url>/a2a/<agent>/, streaming, the security schemes the listener
// takes (mutual TLS with the mesh CA, and bearer tokens when a2a.tokens_file is set), and the
// description and skills of a2a.agents.<id> (or ones made from what the mesh knows).
#pragma once

#include "config/Config.hpp"
#include "delegation/DelegationEngine.hpp"

#include <string>
#include <vector>

namespace rivet::a2a {

// "<public_url>/a2a/<agent>/": the base URL of one agent (its card is under it).
std::string agentBaseUrl(const config::A2aConfig& config, const std::string& agent);
std::string agentCardJson(const config::A2aConfig& config,
                          const delegation::DelegationEngine::Reachable& agent, bool bearer);
// GET /a2a/: {"agents":[{"name","node","url","card"}]}, for discovery by people and scripts.
std::string agentIndexJson(const config::A2aConfig& config,
                           const std::vector<delegation::DelegationEngine::Reachable>& agents);

} // namespace rivet::a2a
