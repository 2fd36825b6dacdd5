// `rivetctl list` and `rivetctl status`: the shared registry (mesh.json) as a table or counts,
// like `rivetos mesh list` / `rivetos mesh status`.
#pragma once

#include "registry/NodeRecord.hpp"
#include "registry/Registry.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace rivet::ctl {

// `command` is "list" or "status".
int listCommand(const std::string& command, const std::string& configPath,
                const std::vector<std::string>& args);

// mesh.json read strictly, for an operator: a missing, unreadable, torn or invalid file is an
// error (std::runtime_error naming the file and what to do), never an empty registry.
registry::Registry readRegistryStrictly(const std::string& path, int64_t maxBytes);

// Online (or degraded) but not seen for more than `staleThresholdMs`.
bool isStale(const registry::NodeRecord& n, int64_t nowMs, int64_t staleThresholdMs);

} // namespace rivet::ctl
