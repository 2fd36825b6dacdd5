// The load generator's results: latency percentiles from per-request latencies, rates and
// counts, printed as a short text report or as one JSON object (for bench/run-bench.sh).
#pragma once

#include "BenchOptions.hpp"
#include "BenchStats.hpp"

#include <ostream>

namespace rivet::ctl {

// `stats` is every loop's counts merged; `seconds` the measured time. Sorts its latencies.
void printBenchReport(std::ostream& out, const BenchOptions& options, BenchStats& stats,
                      double seconds);

// Escapes a string for a JSON string literal (quotes included).
std::string jsonString(const std::string& s);

} // namespace rivet::ctl
