// The long-lived connection runs of `rivetctl bench`: --hold (idle authenticated connections)
// and --slowloris. Both open their connections, write --ready-file, keep them for
// --hold-seconds or until SIGUSR1, SIGINT or SIGTERM, and then report.
#pragma once

#include "BenchOptions.hpp"
#include "BenchSocket.hpp"
#include "BenchTlsClient.hpp"

#include <string>

namespace rivet::ctl {

// Exit status: 0 when every connection was answered and stayed open, 1 otherwise.
int runHold(const BenchOptions& options, const BenchTlsClient& tls, const BenchTarget& target,
            const std::string& request);
// Exit status: 0 once connections were opened (what the server did with them is the report).
int runSlowLoris(const BenchOptions& options, const BenchTlsClient& tls, const BenchTarget& target);

} // namespace rivet::ctl
