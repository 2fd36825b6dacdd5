// The mesh.json codec: text to Registry and back, in RivetOS's exact layout (two-space indent,
// keys in insertion order, no trailing newline). It reads any valid JSON of the right shape.
#pragma once

#include "registry/Registry.hpp"

#include <string>
#include <string_view>

namespace rivet::registry {

class RegistryFile {
public:
  // Throws RegistryError: Kind::Legacy (naming `path` and "pre-capabilities flat-array") when
  // "nodes" is an array; Kind::Invalid when the text is empty, not JSON, or not the shape.
  static Registry parse(std::string_view text, const std::string& path);
  // JSON.stringify(registry, null, 2).
  static std::string serialize(const Registry& registry);
};

} // namespace rivet::registry
