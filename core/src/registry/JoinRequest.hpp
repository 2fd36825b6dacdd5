// Validation of a node record arriving from outside (POST /api/mesh/join, seed and mDNS hints):
// docs/protocol.md §3's rules and exact 400 texts. Missing agents/providers/models/capabilities
// become [].
#pragma once

#include "registry/NodeRecord.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace rivet::registry {

inline constexpr const char* kInvalidJsonBody = "Invalid JSON body";
inline constexpr const char* kMissingNodeFields =
    "Missing required node fields (id, name, host, port)";

struct JoinCheck {
  std::optional<NodeRecord> node; // set when the body is acceptable (arrays defaulted)
  std::string error;              // otherwise the text for 400 {"error": ...}
};

// A /api/mesh/join body: invalid, empty or null JSON gives kInvalidJsonBody; a non-object or a
// record failing checkNodeRecord gives that text. The CN check (403) is the endpoint's.
JoinCheck checkJoinBody(std::string_view body);

// Non-empty string id, name and host and an integer port in 1..65535, else kMissingNodeFields;
// agents, providers, models and capabilities arrays of strings when present (added as [] when
// absent), else "Invalid node field <name>: must be an array of strings". Empty when valid.
std::string checkNodeRecord(NodeRecord& node);

} // namespace rivet::registry
