// Loads rivet.yaml into a validated Config: typed values, defaults, ${VAR} substitution,
// relative paths resolved against the file's folder, one-line errors and unknown-key warnings.
#pragma once

#include "config/Config.hpp"
#include "config/ConfigPositions.hpp"
#include "config/EnvSubstitution.hpp" // EnvLookup

#include <stdexcept>
#include <string>
#include <vector>

namespace rivet::config {

// Thrown for any configuration error. what() is ONE line:
// "<file>:<line>:<col>: <key.path>: <problem>. <what to do>" (line and column 1-based; no
// line:col when there is no position, e.g. a missing file). rivetd exits 78 on it.
class ConfigError : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

struct LoadResult {
  Config config;
  std::vector<std::string> warnings; // one line each, e.g. unknown keys, mesh.secret
  ConfigPositions positions;         // where each key is written
};

// Reads `path` with the process environment for ${VAR}.
LoadResult loadConfigFile(const std::string& path);
// Parses `yaml` as if read from `sourcePath` (used in messages and for relative paths).
LoadResult loadConfigText(const std::string& yaml, const std::string& sourcePath,
                          const EnvLookup& env);

// "./config/rivet.yaml" if it exists, else "/etc/rivet/rivet.yaml".
std::string defaultConfigPath();

// Every effective setting, one per line, as YAML-ish text (for `rivetd --check-config`).
std::string describeEffective(const Config& c);

} // namespace rivet::config
