// Reads `agents:`: a map from agent id to {plugin: <name>, ...plugin settings}, in YAML order.
// Settings are not checked here (they belong to the plugin); they become a JSON object.
#pragma once

#include "config/Config.hpp"
#include "config/FieldReader.hpp"

#include <vector>

namespace rivet::config {

std::vector<AgentSpec> readAgentsSection(const YAML::Node& node, FieldReader& reader);

} // namespace rivet::config
