// The channel settings a node passes to the transport (the node's configuration checked them
// already; these checks keep a hand-written settings object from breaking the server).
#include "ServerSettings.hpp"

#include <Poco/JSON/Parser.h>

#include <stdexcept>

namespace rivet::mtls {
namespace {

int64_t keyOr(const Poco::JSON::Object& o, const char* key, int64_t fallback, int64_t min,
              int64_t max) {
  if (!o.has(key))
    return fallback;
  int64_t v = 0;
  try {
    v = o.getValue<Poco::Int64>(key);
  } catch (const Poco::Exception&) {
    throw std::runtime_error(std::string("mesh.channel.") + key + " must be an integer");
  }
  if (v < min || v > max)
    throw std::runtime_error(std::string("mesh.channel.") + key + " must be between " +
                             std::to_string(min) + " and " + std::to_string(max) + ", not " +
                             std::to_string(v));
  return v;
}

std::chrono::milliseconds msOr(const Poco::JSON::Object& o, const char* key,
                               std::chrono::milliseconds fallback, int64_t max) {
  return std::chrono::milliseconds(keyOr(o, key, fallback.count(), 100, max));
}

} // namespace

void ServerSettings::readChannelKeys(const std::string& json) {
  Poco::JSON::Object::Ptr o;
  try {
    o = Poco::JSON::Parser().parse(json).extract<Poco::JSON::Object::Ptr>();
  } catch (const Poco::Exception& e) {
    throw std::runtime_error("invalid transport settings: " + e.displayText());
  }
  ioThreads = static_cast<int>(keyOr(*o, "io_threads", ioThreads, 0, 64));
  loopRotate = std::chrono::milliseconds(keyOr(*o, "loop_rotate_ms", loopRotate.count(), 0, 60000));
  handshakeTimeout = msOr(*o, "handshake_timeout_ms", handshakeTimeout, 600000);
  headTimeout = msOr(*o, "head_timeout_ms", headTimeout, 600000);
  bodyTimeout = msOr(*o, "body_timeout_ms", bodyTimeout, 3600000);
  idleTimeout = msOr(*o, "idle_timeout_ms", idleTimeout, 3600000);
  writeTimeout = msOr(*o, "write_timeout_ms", writeTimeout, 600000);
  const int64_t big = 1048576;
  maxConnections = static_cast<size_t>(keyOr(*o, "max_connections", maxConnections, 1, big));
  maxHandshakes = static_cast<size_t>(keyOr(*o, "max_handshakes", maxHandshakes, 1, big));
  maxHandshakesPerAddress =
      static_cast<size_t>(keyOr(*o, "max_handshakes_per_address", maxHandshakesPerAddress, 1, big));
  maxHeadBytes = static_cast<size_t>(keyOr(*o, "max_header_bytes", maxHeadBytes, 1024, big));
  maxHeaders = static_cast<size_t>(keyOr(*o, "max_headers", maxHeaders, 1, 10000));
  maxInflightBodyBytes = static_cast<uint64_t>(keyOr(*o, "max_inflight_body_bytes",
                                                     static_cast<int64_t>(maxInflightBodyBytes),
                                                     10485760, 68719476736LL));
  maxInflightAnswerBytes = static_cast<uint64_t>(keyOr(*o, "max_inflight_answer_bytes",
                                                       static_cast<int64_t>(maxInflightAnswerBytes),
                                                       67108864, 68719476736LL));
}

} // namespace rivet::mtls
