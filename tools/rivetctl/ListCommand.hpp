// `rivetctl list` and `rivetctl status`: the shared registry (mesh.json) as a table or counts,
// like `rivetos mesh list` / `rivetos mesh status`.
#pragma once

#include <string>
#include <vector>

namespace rivet::ctl {

// `command` is "list" or "status".
int listCommand(const std::string& command, const std::string& configPath,
                const std::vector<std::string>& args);

} // namespace rivet::ctl
