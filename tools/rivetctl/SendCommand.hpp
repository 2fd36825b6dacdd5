// `rivetctl send AGENT "task"`: a task through the local node's /api/message (with toAgent),
// so it reaches the agent wherever it runs in the mesh.
#pragma once

#include <string>
#include <vector>

namespace rivet::ctl {

int sendCommand(const std::string& configPath, const std::vector<std::string>& args);

} // namespace rivet::ctl
