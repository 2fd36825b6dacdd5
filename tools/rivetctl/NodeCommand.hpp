// `rivetctl ping` and `rivetctl agents`: call a node's channel with this node's certificate.
#pragma once

#include <string>
#include <vector>

namespace rivet::ctl {

// `command` is "ping" or "agents"; `configPath` may be empty (the default configuration).
int nodeCommand(const std::string& command, const std::string& configPath,
                const std::vector<std::string>& args);

} // namespace rivet::ctl
