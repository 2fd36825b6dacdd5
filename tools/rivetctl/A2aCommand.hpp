// `rivetctl a2a token`: a new bearer token for an A2A client outside the mesh, and its line for
// a2a.tokens_file (docs/a2a.md "Bearer tokens"), appended to the file when asked.
#pragma once

#include <string>
#include <vector>

namespace rivet::ctl {

int a2aCommand(const std::vector<std::string>& args);

} // namespace rivet::ctl
