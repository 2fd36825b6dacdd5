// Reads the `mesh:` section: every key of docs/configuration.md with its default, type and range
// checks, the tls forms (true / map / false) and the host-name and environment defaults;
// `channel` and `discovery` have readers of their own.
#pragma once

#include "config/Config.hpp"
#include "config/FieldReader.hpp"

namespace rivet::config {

// `node` is the value of `mesh:` (null when the section is absent: all defaults).
Mesh readMeshSection(const YAML::Node& node, FieldReader& reader);

} // namespace rivet::config
