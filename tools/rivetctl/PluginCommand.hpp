// `rivetctl plugin check FILE [--settings JSON | --config FILE --agent ID]`: the loader's checks
// (the file is loaded in a probe process, so a broken one cannot crash rivetctl), then create().
#pragma once

#include <string>
#include <vector>

namespace rivet::ctl {

int pluginCommand(const std::vector<std::string>& args);

} // namespace rivet::ctl
