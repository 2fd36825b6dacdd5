// Bounds on what reading one configuration document may cost: its size in bytes, and its node
// count with every alias expanded (the "billion laughs" shape), both checked before any value is
// read.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstddef>
#include <string>

namespace rivet::config {

inline constexpr size_t kMaxConfigBytes = 1024 * 1024;
inline constexpr size_t kMaxYamlNodes = 100000;

// Throws ConfigError naming `sourcePath` and the cap when `size` is over kMaxConfigBytes.
void checkDocumentSize(size_t size, const std::string& sourcePath);

// Throws ConfigError naming `sourcePath` and the limit when `root`, read with every alias
// expanded, has more than kMaxYamlNodes nodes. Stops counting at the limit, so a document
// whose aliases expand to billions of nodes costs no more than one at the limit.
void checkNodeCount(const YAML::Node& root, const std::string& sourcePath);

} // namespace rivet::config
