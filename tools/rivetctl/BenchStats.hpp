// What one event loop of the load generator counted, and the schedule all loops share
// (warm-up end, measurement end, the request budget of --requests).
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace rivet::ctl {

using BenchClock = std::chrono::steady_clock;

enum class BenchError { Connect, Handshake, Write, Read, Parse, Status, Timeout };
constexpr std::size_t kBenchErrorKinds = 7;
const char* benchErrorName(BenchError kind);

struct BenchStats {
  std::vector<std::uint64_t> latenciesNs; // one per answered request in the measurement window
  std::array<std::uint64_t, kBenchErrorKinds> errors{}; // failed requests in the window, by kind
  std::string firstError;                               // "<kind>: <reason>", any time
  std::uint64_t connections = 0;                        // TCP connections opened, warm-up included
  std::uint64_t handshakes = 0;         // TLS handshakes completed, warm-up included
  std::uint64_t resumed = 0;            // of which resumed a previous session
  std::uint64_t bodyBytes = 0;          // response body bytes in the window
  std::uint64_t answeredTotal = 0;      // 2xx answers, warm-up included (for CPU per request)
  std::uint64_t unfinished = 0;         // requests still unanswered when the run ended
  std::uint64_t oldestUnfinishedNs = 0; // how long the oldest of them had waited
  BenchClock::time_point end;           // when this loop stopped measuring
  // --hold: connections still open at the end, closed by the server while idle, never opened
  // (--open-seconds ran out), and how long the opening took (set by the caller).
  std::uint64_t held = 0;
  std::uint64_t closedByServer = 0;
  std::uint64_t notStarted = 0;
  double openSeconds = 0;

  std::uint64_t errorCount() const;
  void merge(const BenchStats& other);
};

// Shared by every loop. Before measureStart requests are warm-up: sent, never counted.
struct BenchSchedule {
  BenchClock::time_point measureStart;
  BenchClock::time_point measureEnd = BenchClock::time_point::max();
  std::uint64_t limit = 0; // --requests: measured requests to start; 0 for no limit
  std::atomic<std::uint64_t> taken{0};
  std::atomic<bool> stop{false}; // --hold: the hold is over

  // May a connection start another request now? (Takes one from the budget if so.)
  bool take(BenchClock::time_point now) {
    if (now < measureStart)
      return true;
    if (now >= measureEnd)
      return false;
    return limit == 0 || taken.fetch_add(1, std::memory_order_relaxed) < limit;
  }
};

} // namespace rivet::ctl
