// The wording of the channel's periodic summary.
#include "ChannelCounters.hpp"

namespace rivet::mtls {

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
