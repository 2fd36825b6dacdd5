// Limits and timeouts of the agent channel's server side (rivet.yaml `mesh.channel`, defaults
// suit a mesh on a LAN; docs/configuration.md).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

namespace rivet::mtls {

struct ServerSettings {
  std::string listenHost = "0.0.0.0";
  int port = 3000;
  std::string nodeName;
  int ioThreads = 0;                      // 0: one per CPU core
  size_t maxBodyBytes = 10 * 1024 * 1024; // docs/protocol.md §3
  size_t maxHeadBytes = 32 * 1024;
  size_t maxHeaders = 100;
  std::chrono::milliseconds handshakeTimeout{10000};
  std::chrono::milliseconds idleTimeout{10000};  // keep-alive: between requests
  std::chrono::milliseconds headTimeout{10000};  // first byte to end of head
  std::chrono::milliseconds bodyTimeout{60000};  // end of head to end of body
  std::chrono::milliseconds writeTimeout{30000}; // one whole response
  size_t maxConnections = 16384;
  size_t maxHandshakes = 1024;
  size_t maxHandshakesPerAddress = 128;
  uint64_t maxInflightBodyBytes = 256ull * 1024 * 1024;
  // Answer bytes from peers both clients hold at once, node-wide; at least one whole answer.
  uint64_t maxInflightAnswerBytes = 256ull * 1024 * 1024;
  // The transport's settings only, for tests (not a rivet.yaml key): > 0 switches between one
  // I/O loop in use and all of them this often, so that connections keep moving.
  std::chrono::milliseconds loopRotate{0};

  // Reads the `mesh.channel` keys present in `json` (the plugin's settings object; absent keys
  // keep their defaults). Throws std::runtime_error naming the key when one is out of range.
  void readChannelKeys(const std::string& json);
};

} // namespace rivet::mtls
