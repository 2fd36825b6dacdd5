// Where plugins live by default: <prefix>/lib/rivet/plugins, found relative to the running
// executable (<prefix>/bin/rivetd), so any install prefix and the build tree both work.
#pragma once

#include <string>

namespace rivet::plugin {

std::string executableDir();
std::string defaultPluginDir();

} // namespace rivet::plugin
