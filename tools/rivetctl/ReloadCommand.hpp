// `rivetctl reload`: SIGHUP to the local rivetd of the configuration, once it is proven to be it.
#pragma once

#include <string>
#include <vector>

namespace rivet::ctl {

int reloadCommand(const std::string& configPath, const std::vector<std::string>& args);

} // namespace rivet::ctl
