// Limits and timeouts of the agent channel's server side (defaults suit a mesh on a LAN).
#pragma once

#include <chrono>
#include <cstddef>
#include <string>

namespace rivet::mtls {

struct ServerSettings {
  std::string listenHost = "0.0.0.0";
  int port = 3000;
  std::string nodeName;
  size_t maxBodyBytes = 10 * 1024 * 1024; // docs/protocol.md §3
  size_t maxHeadBytes = 32 * 1024;
  std::chrono::milliseconds handshakeTimeout{10000};
  std::chrono::milliseconds keepAliveTimeout{10000}; // idle between requests
  std::chrono::milliseconds headTimeout{10000};      // first byte to end of head
  std::chrono::milliseconds bodyTimeout{60000};
  std::chrono::milliseconds writeTimeout{30000};
  int maxThreads = 512; // connections served at once; well above the agent workers
  int maxQueued = 256;
};

} // namespace rivet::mtls
