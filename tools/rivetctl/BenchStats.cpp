// Merging the per-loop counts of the load generator into one set of figures.
// Error kinds are named here once, for the text and the JSON reports alike.
#include "BenchStats.hpp"

#include <algorithm>

namespace rivet::ctl {

const char* benchErrorName(BenchError kind) {
  switch (kind) {
  case BenchError::Connect:
    return "connect";
  case BenchError::Handshake:
    return "handshake";
  case BenchError::Write:
    return "write";
  case BenchError::Read:
    return "read";
  case BenchError::Parse:
    return "parse";
  case BenchError::Status:
    return "status";
  case BenchError::Timeout:
    return "timeout";
  }
  return "unknown";
}

std::uint64_t BenchStats::errorCount() const {
  std::uint64_t n = 0;
  for (auto e : errors)
    n += e;
  return n;
}

void BenchStats::merge(const BenchStats& o) {
  latenciesNs.insert(latenciesNs.end(), o.latenciesNs.begin(), o.latenciesNs.end());
  for (std::size_t i = 0; i < kBenchErrorKinds; ++i)
    errors[i] += o.errors[i];
  if (firstError.empty())
    firstError = o.firstError;
  connections += o.connections;
  handshakes += o.handshakes;
  resumed += o.resumed;
  bodyBytes += o.bodyBytes;
  answeredTotal += o.answeredTotal;
  unfinished += o.unfinished;
  oldestUnfinishedNs = std::max(oldestUnfinishedNs, o.oldestUnfinishedNs);
  held += o.held;
  closedByServer += o.closedByServer;
  notStarted += o.notStarted;
  end = std::max(end, o.end);
}

} // namespace rivet::ctl
