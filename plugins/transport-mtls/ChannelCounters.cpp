// The wording of the channel's periodic summary.
#include "ChannelCounters.hpp"

namespace rivet::mtls {
namespace {

bool has(const std::string& text, const char* part) {
  return text.find(part) != std::string::npos;
}

} // namespace

void ChannelCounters::addFailure(const std::string& error, bool tlsFailure) {
  Reason r = kOtherReason;
  if (!tlsFailure)
    r = kPeerClosed;
  else if (has(error, "did not return a certificate"))
    r = kNoCertificate;
  else if (has(error, "unknown ca"))
    r = kUnknownCa;
  else if (has(error, "has expired") || has(error, "not yet valid"))
    r = kExpired;
  else if (has(error, "revoked"))
    r = kRevoked;
  else if (has(error, "http request"))
    r = kPlainHttp;
  else if (has(error, "TLS version") || has(error, "protocol version"))
    r = kProtocolVersion;
  failures[r].fetch_add(1, std::memory_order_relaxed);
}

std::string ChannelCounters::jsonFields(const std::string& prefix) const {
  static const char* const kReasons[kReasonCount] = {
      "no_certificate", "unknown_ca",       "expired",     "revoked",
      "plain_http",     "protocol_version", "peer_closed", "other"};
  auto n = [](const std::atomic<uint64_t>& a) {
    return std::to_string(a.load(std::memory_order_relaxed));
  };
  auto key = [&prefix](const char* name) { return "\"" + prefix + name + "\":"; };
  std::string out = key("handshake_failures") + "{";
  for (int k = 0; k < kReasonCount; ++k)
    out += std::string(k ? "," : "") + "\"" + kReasons[k] + "\":" + n(failures[k]);
  out += ",\"timeout\":" + n(value[kHandshakeTimeout]) + "}";
  out += "," + key("refused") + "{\"max_connections\":" + n(value[kRefusedConnections]) +
         ",\"max_handshakes\":" + n(value[kRefusedHandshakes]) +
         ",\"max_handshakes_per_address\":" + n(value[kRefusedPerAddress]) +
         ",\"max_inflight_body_bytes\":" + n(value[kBusyBodies]) + "}";
  out += "," + key("timeouts") + "{\"head\":" + n(value[kHeadTimeout]) +
         ",\"body\":" + n(value[kBodyTimeout]) + ",\"write\":" + n(value[kWriteTimeout]) +
         ",\"idle\":" + n(value[kIdleTimeout]) + "}";
  out += "," + key("framing_errors") + n(value[kFramingErrors]);
  out += "," + key("connections_accepted") + n(accepted);
  return out;
}

std::string ChannelCounters::summarySince(uint64_t (&last)[kCount]) const {
  static const char* const kWords[kCount] = {
      "past the handshake deadline (mesh.channel.handshake_timeout_ms)",
      "past the request head deadline (head_timeout_ms)",
      "past the request body deadline (body_timeout_ms)",
      nullptr, // idle keep-alive closes are normal
      "past the response write deadline (write_timeout_ms)",
      "refused at once: too many connections (max_connections)",
      "refused at once: too many handshakes in progress (max_handshakes)",
      "refused at once: too many handshakes from one address (max_handshakes_per_address)",
      "failed their TLS handshake",
      "sent a malformed or oversized request",
      "refused a body: request bytes in flight at the cap (max_inflight_body_bytes)",
  };
  std::string out;
  for (int k = 0; k < kCount; ++k) {
    uint64_t now = value[k].load(std::memory_order_relaxed);
    uint64_t grew = now - last[k];
    last[k] = now;
    if (grew == 0 || !kWords[k])
      continue;
    if (!out.empty())
      out += ", ";
    out += std::to_string(grew) + " " + kWords[k];
  }
  return out;
}

} // namespace rivet::mtls
