// Validation of a node record arriving from outside (POST /api/mesh/join, seed and mDNS hints):
// docs/protocol.md §3's rules and exact texts. Missing agents/providers/models/capabilities
// become []; sizes are bounded so that one caller cannot fill the shared file.
#pragma once

#include "registry/NodeRecord.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace rivet::registry {

inline constexpr const char* kInvalidJsonBody = "Invalid JSON body";
inline constexpr const char* kMissingNodeFields =
    "Missing required node fields (id, name, host, port)";
inline constexpr size_t kMaxJoinBodyBytes = 64 * 1024;
inline constexpr size_t kMaxListEntries = 256; // agents, providers, models, capabilities
inline constexpr size_t kMaxFieldBytes = 256;  // id, name, host, status, version, role, items

struct JoinCheck {
  std::optional<NodeRecord> node; // set when the body is acceptable (arrays defaulted)
  std::string error;              // otherwise the text for {"error": ...}
  int status = 400;               // and its HTTP status: 400, or 413 for a body too large
};

// A /api/mesh/join body: over kMaxJoinBodyBytes gives 413 "Join body exceeds 64 KiB limit";
// invalid (UTF-8 included), empty or null JSON gives kInvalidJsonBody; a non-object or a record
// failing checkNodeRecord gives that text. The identity rule (403) is checkJoinIdentity.
JoinCheck checkJoinBody(std::string_view body);

// Non-empty string id, name and host and an integer port in 1..65535, else kMissingNodeFields;
// agents, providers, models and capabilities arrays of strings when present (added as [] when
// absent), else "Invalid node field <name>: must be an array of strings"; at most
// kMaxListEntries entries and kMaxFieldBytes per string, else "Invalid node field <name>: ...".
// Empty when valid.
std::string checkNodeRecord(NodeRecord& node);

// The one entry a certificate may write is its node's: `id` and `name` must both be the CN
// without one trailing ".mesh" (an agent certificate, CN with '@', registers nothing). Empty
// when allowed, else "Certificate CN <cn> may not register node <the name or id that differs>".
std::string checkJoinIdentity(std::string_view peerCn, const NodeRecord& node);

} // namespace rivet::registry
