// `rivetctl check [--json]`: is this node and its mesh healthy? Groups of checks like
// `linkerd check`: configuration, certificates, registry, peers, plugins (docs/cli.md).
#pragma once

#include <string>
#include <vector>

namespace rivet::ctl {

// Exit 0 when nothing failed (warnings allowed), 1 when a check failed, 2 on a usage error.
int checkCommand(const std::string& configPath, const std::vector<std::string>& args);

} // namespace rivet::ctl
