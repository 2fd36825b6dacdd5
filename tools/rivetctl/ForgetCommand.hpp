// `rivetctl forget`: removes nodes that are gone from the shared registry (mesh.json), through
// the registry's own locked read-modify-write, so a heartbeat written meanwhile is kept.
#pragma once

#include <string>
#include <vector>

namespace rivet::ctl {

int forgetCommand(const std::string& configPath, const std::vector<std::string>& args);

} // namespace rivet::ctl
