// The host API table handed to one plugin instance: its name, settings and log component,
// with every call forwarded to the node's HostServices.
#pragma once

#include "plugin/HostServices.hpp"

#include <memory>
#include <string>

#include <spdlog/logger.h>

namespace rivet::plugin {

class HostContext {
public:
  HostContext(HostServices& services, std::string instanceName, std::string component,
              std::string configJson);
  HostContext(const HostContext&) = delete;
  HostContext& operator=(const HostContext&) = delete;

  const rivet_host_api* api() const { return &api_; }
  const std::string& instanceName() const { return instanceName_; }

private:
  static HostContext& self(void* host) { return *static_cast<HostContext*>(host); }
  template <class F> static bool guarded(void* host, F&& fn);

  HostServices& services_;
  std::shared_ptr<HostGate> gate_; // outlives services_
  std::string instanceName_;
  std::string configJson_;
  std::shared_ptr<spdlog::logger> logger_;
  rivet_host_api api_{};
};

} // namespace rivet::plugin
