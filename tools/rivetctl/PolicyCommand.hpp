// `rivetctl policy check`: what the node of a configuration file would do with a task from a
// caller, answered offline through the node's own policy::Gate so that it agrees with enforcement.
#pragma once

#include <string>
#include <vector>

namespace rivet::ctl {

int policyCommand(const std::string& configPath, const std::vector<std::string>& args);

} // namespace rivet::ctl
