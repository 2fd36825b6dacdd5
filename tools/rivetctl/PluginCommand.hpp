// `rivetctl plugin check FILE`: the loader's checks, the descriptor printed.
#pragma once

#include <string>
#include <vector>

namespace rivet::ctl {

int pluginCommand(const std::vector<std::string>& args);

} // namespace rivet::ctl
