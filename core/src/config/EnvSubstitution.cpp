// ${VAR} substitution for string values: names are [A-Za-z_][A-Za-z0-9_]*; an unset variable,
// an unterminated `${` or an invalid name is reported rather than silently left in place.
#include "config/EnvSubstitution.hpp"

#include <cctype>
#include <cstdlib>

namespace rivet::config {
namespace {

bool validName(const std::string& name) {
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name[0])))
    return false;
  for (char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_')
      return false;
  }
  return true;
}

} // namespace

Substitution substituteEnv(const std::string& text, const EnvLookup& env) {
  Substitution result;
  std::string& out = result.value;
  size_t i = 0;
  while (i < text.size()) {
    if (text.compare(i, 3, "$${") == 0) {
      out += "${";
      i += 3;
      continue;
    }
    if (text.compare(i, 2, "${") != 0) {
      out += text[i++];
      continue;
    }
    size_t close = text.find('}', i + 2);
    if (close == std::string::npos) {
      result.error = "\"${\" without a closing \"}\"";
      return result;
    }
    std::string name = text.substr(i + 2, close - i - 2);
    result.variable = name;
    if (!validName(name)) {
      result.error = "\"${" + name + "}\" is not a valid variable reference (names are " +
                     "letters, digits and '_', not starting with a digit)";
      return result;
    }
    std::optional<std::string> value = env ? env(name) : std::nullopt;
    if (!value) {
      result.error = "environment variable " + name + " is not set";
      return result;
    }
    out += *value;
    i = close + 1;
  }
  result.variable.clear();
  return result;
}

EnvLookup processEnv() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* value = std::getenv(name.c_str());
    if (!value)
      return std::nullopt;
    return std::string(value);
  };
}

} // namespace rivet::config
