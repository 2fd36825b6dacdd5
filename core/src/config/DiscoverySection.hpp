// Reads `mesh.discovery` (mode static|seed|mdns and its settings) and `mesh.peers`
// (the static peer list). Cross-key rules (seed needs seed_host, ...) are in ConfigValidation.
#pragma once

#include "config/Config.hpp"
#include "config/FieldReader.hpp"

#include <vector>

namespace rivet::config {

// A null node means no discovery section: mode "" (the shared mesh.json only).
// seedPort stays 0 when not set; the mesh reader defaults it to agent_channel_port.
Discovery readDiscovery(const YAML::Node& node, FieldReader& reader);
std::vector<Peer> readPeers(const YAML::Node& node, FieldReader& reader);

} // namespace rivet::config
