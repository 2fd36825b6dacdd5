// Replaces ${VAR} in configuration strings with values from the environment.
// `$${` stands for a literal `${`; any other `$` is kept as written.
#pragma once

#include <functional>
#include <optional>
#include <string>

namespace rivet::config {

using EnvLookup = std::function<std::optional<std::string>(const std::string&)>;

struct Substitution {
  std::string value;    // the text with every ${VAR} replaced (valid when error is empty)
  std::string variable; // the variable at fault, if any
  std::string error;    // empty on success; else one sentence saying what is wrong
};

Substitution substituteEnv(const std::string& text, const EnvLookup& env);

// The process environment (getenv).
EnvLookup processEnv();

} // namespace rivet::config
