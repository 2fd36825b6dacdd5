// Reads `mesh.channel` (ours): the agent channel's I/O threads, deadlines and limits. The key
// list below is the only one: the reader, --check-config and the transport's settings use it.
#pragma once

#include "config/Config.hpp"
#include "config/FieldReader.hpp"

#include <cstdint>

namespace rivet::config {

// Calls fn(key, min, max, field) for every key of mesh.channel, in the documented order.
// `ChannelT` is Channel (to fill it) or const Channel (to print it); `field` is an int or int64_t.
template <typename ChannelT, typename Fn> void forEachChannelKey(ChannelT& c, Fn&& fn) {
  fn("io_threads", 0, 64, c.ioThreads);
  fn("handshake_timeout_ms", 100, 600000, c.handshakeTimeoutMs);
  fn("head_timeout_ms", 100, 600000, c.headTimeoutMs);
  fn("body_timeout_ms", 100, 3600000, c.bodyTimeoutMs);
  fn("idle_timeout_ms", 100, 3600000, c.idleTimeoutMs);
  fn("write_timeout_ms", 100, 600000, c.writeTimeoutMs);
  fn("max_connections", 1, 1048576, c.maxConnections);
  fn("max_handshakes", 1, 1048576, c.maxHandshakes);
  fn("max_handshakes_per_address", 1, 1048576, c.maxHandshakesPerAddress);
  fn("max_header_bytes", 1024, 1048576, c.maxHeaderBytes);
  fn("max_headers", 1, 10000, c.maxHeaders);
  fn("max_inflight_body_bytes", 10485760, int64_t{68719476736}, c.maxInflightBodyBytes);
  fn("max_inflight_answer_bytes", 67108864, int64_t{68719476736}, c.maxInflightAnswerBytes);
}

// A null node means no channel section: every default. max_handshakes_per_address above
// max_handshakes is an error (it could never apply).
Channel readChannel(const YAML::Node& node, FieldReader& reader);

} // namespace rivet::config
