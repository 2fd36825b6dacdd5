// Reads `a2a:` (ours): the A2A listener, its certificate, its bearer tokens and what the cards
// say about each agent (docs/a2a.md).
#pragma once

#include "config/Config.hpp"
#include "config/FieldReader.hpp"

namespace rivet::config {

// A null node means no a2a: section (no listener). `mesh` gives the defaults of public_url.
A2aConfig readA2a(const YAML::Node& node, FieldReader& reader, const Mesh& mesh);

} // namespace rivet::config
