// The event loops of one `rivetctl bench` run: the connections shared out among --threads, each
// loop on a thread of its own while the calling thread controls the run, then merged counts.
#pragma once

#include "BenchLoop.hpp"

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace rivet::ctl {

std::vector<std::unique_ptr<BenchLoop>>
makeBenchLoops(const BenchOptions& options, const BenchTlsClient& tls, const BenchTarget& target,
               const std::string& request, BenchSchedule& schedule, unsigned connections);

// Runs every loop on a thread and `control` on this one (it is told when a loop has failed);
// once control returns, sets schedule.stop (which ends --hold loops), joins the threads,
// rethrows the first failure (control's, then the loops') and returns the loops' merged counts.
BenchStats runBenchLoops(std::vector<std::unique_ptr<BenchLoop>>& loops, BenchSchedule& schedule,
                         const std::function<void(const std::atomic<bool>& failed)>& control);

} // namespace rivet::ctl
