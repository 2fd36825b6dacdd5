// Reads `policy:` (ours, docs/policy.md): rules per agent (allow, deny, mode), admission
// (max_concurrent, queue), the trusted forwarders and the rate limit per caller.
#pragma once

#include "config/Config.hpp"
#include "config/FieldReader.hpp"

namespace rivet::config {

// A null node means no policy: every caller may run every agent, as in RivetOS.
PolicyConfig readPolicy(const YAML::Node& node, FieldReader& reader);

} // namespace rivet::config
