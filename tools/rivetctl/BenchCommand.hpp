// `rivetctl bench`: a closed-loop HTTPS load generator with a client certificate, for
// comparing rivetd's agent channel with nginx (bench/run-bench.sh drives it).
#pragma once

#include <string>
#include <vector>

namespace rivet::ctl {

int benchCommand(const std::vector<std::string>& args);

} // namespace rivet::ctl
