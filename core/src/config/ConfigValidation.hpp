// Rules that involve more than one key (mesh.enabled needs tls, stale > heartbeat, seed needs
// seed_host, static needs peers, default_agent must be an agent), checked after reading.
#pragma once

#include "config/Config.hpp"
#include "config/FieldReader.hpp"

namespace rivet::config {

// Throws ConfigError at the position of the key the user should change.
void validateConfig(const Config& config, const FieldReader& reader);

} // namespace rivet::config
