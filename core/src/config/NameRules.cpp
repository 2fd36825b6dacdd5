// Character-class checks for configuration names (see NameRules.hpp for the rules).
// Plain loops rather than std::regex: short inputs, and no locale surprises.
#include "config/NameRules.hpp"

#include <cctype>
#include <cstring>

namespace rivet::config {
namespace {

bool alnum(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0;
}

} // namespace

bool isAgentId(const std::string& s) {
  if (s.empty())
    return false;
  for (char c : s) {
    if (!alnum(c) && c != '_' && c != '.' && c != '-')
      return false;
  }
  return true;
}

bool isPluginName(const std::string& s) {
  if (s.empty())
    return false;
  for (char c : s) {
    if (!(c >= 'a' && c <= 'z') && !(c >= '0' && c <= '9') && c != '-')
      return false;
  }
  return true;
}

bool isNodeName(const std::string& s) {
  return isAgentId(s) && alnum(s[0]);
}

char firstShellUnsafe(const std::string& s) {
  for (char c : s) {
    if (std::isspace(static_cast<unsigned char>(c)) ||
        (c != '\0' && std::strchr(";&|`$<>()'\"\\", c) != nullptr))
      return c;
  }
  return '\0';
}

} // namespace rivet::config
