// Converts an agent's YAML settings to the JSON object handed to its plugin.
// Quoted scalars are strings; plain ones follow the YAML 1.2 core schema (bool, int, float, null).
#pragma once

#include "config/FieldReader.hpp"

#include <string>
#include <utility>
#include <vector>

namespace rivet::config {

using YamlEntries = std::vector<std::pair<std::string, YAML::Node>>;

// A JSON object of `entries`, in order. String values get ${VAR} substitution; `path` prefixes
// key paths in error messages (e.g. "agents.opus").
std::string yamlEntriesToJson(const YamlEntries& entries, const std::string& path,
                              FieldReader& reader);
// Any YAML value as JSON text.
std::string yamlToJson(const YAML::Node& node, const std::string& path, FieldReader& reader);

} // namespace rivet::config
