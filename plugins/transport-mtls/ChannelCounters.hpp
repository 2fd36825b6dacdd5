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
  // Failed handshakes by reason, for the node's /metrics (ABI 1.4 metrics()); a fixed set.
  enum Reason {
    kNoCertificate,
    kUnknownCa,
    kExpired,
    kRevoked,
    kPlainHttp,
    kProtocolVersion,
    kPeerClosed,
    kOtherReason,
    kReasonCount
  };
  std::atomic<uint64_t> failures[kReasonCount] = {};
  std::atomic<uint64_t> accepted{0};

  void add(Kind k) { value[k].fetch_add(1, std::memory_order_relaxed); }
  // Counts a failed handshake under the reason `error` (TlsSocket::error()) names.
  void addFailure(const std::string& error, bool tlsFailure);
  // {"handshake_failures":{...},"refused":{...},"timeouts":{...},"framing_errors":N,
  //  "connections_accepted":N (no braces: the caller adds its own keys), each key after
  // `prefix` (the A2A listener's: "a2a_handshake_failures", ...).
  std::string jsonFields(const std::string& prefix = "") const;
  // "3 past the handshake deadline, 1 refused (max_connections)" for the counts that grew
  // since `last` (updated); empty when none of the abnormal ones did. Idle closes are normal
  // and only counted.
  std::string summarySince(uint64_t (&last)[kCount]) const;
};

} // namespace rivet::mtls
