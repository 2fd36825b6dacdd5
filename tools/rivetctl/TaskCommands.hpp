// `rivetctl tasks`, `rivetctl task ID`, `rivetctl cancel ID`: the local node's task API
// (docs/protocol.md §3.6) read and driven with the node's own certificate.
#pragma once

#include <string>
#include <vector>

namespace rivet::ctl {

// `command` is "tasks", "task" or "cancel"; `args` the words after it.
int taskCommand(const std::string& command, const std::string& configPath,
                const std::vector<std::string>& args);

} // namespace rivet::ctl
