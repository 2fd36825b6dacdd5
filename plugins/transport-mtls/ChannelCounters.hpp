// What the agent channel refused or cut off, counted for the periodic summary in the log
// (docs/transport.md "Counters").
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

namespace rivet::mtls {

struct ChannelCounters {
  enum Kind {
    kHandshakeTimeout,
    kHeadTimeout,
    kBodyTimeout,
    kIdleTimeout,
    kWriteTimeout,
    kRefusedConnections, // max_connections
    kRefusedHandshakes,  // max_handshakes
    kRefusedPerAddress,  // max_handshakes_per_address
    kHandshakeFailures,
    kFramingErrors,
    kBusyBodies, // max_inflight_body_bytes
    kCount
  };
  std::atomic<uint64_t> value[kCount] = {};

  void add(Kind k) { value[k].fetch_add(1, std::memory_order_relaxed); }
  // "3 past the handshake deadline, 1 refused (max_connections)" for the counts that grew
  // since `last` (updated); empty when none of the abnormal ones did. Idle closes are normal
  // and only counted.
  std::string summarySince(uint64_t (&last)[kCount]) const;
};

} // namespace rivet::mtls
