// The host API a plugin gets inside the probe process: its settings and name, a clock, and
// nothing reachable (no peers, no delegation), so that create() can run away from the daemon.
#pragma once

#include "rivet/sdk/abi.h"

#include <string>

namespace rivet::plugin {

class ProbeHost {
public:
  ProbeHost(std::string instanceName, std::string settingsJson);
  ProbeHost(const ProbeHost&) = delete;
  ProbeHost& operator=(const ProbeHost&) = delete;

  const rivet_host_api* api() const { return &api_; }
  // What the plugin logged at WARN or above, one line each.
  const std::string& warnings() const { return warnings_; }

private:
  static ProbeHost& self(void* host) { return *static_cast<ProbeHost*>(host); }

  std::string instanceName_;
  std::string settingsJson_;
  std::string warnings_;
  rivet_host_api api_{};
};

} // namespace rivet::plugin
