// What the channel needs for GET /api/mesh and POST /api/mesh/join: the node's registry.
#pragma once

#include <string>
#include <string_view>

namespace rivet::channel {

struct EndpointAnswer {
  int status = 200;
  std::string body;
};

class RegistryEndpoints {
public:
  virtual ~RegistryEndpoints() = default;
  virtual EndpointAnswer nodes() = 0;
  // `peerCn` is the caller's certificate CN (a node may only register itself).
  virtual EndpointAnswer join(std::string_view body, std::string_view peerCn) = 0;
};

} // namespace rivet::channel
