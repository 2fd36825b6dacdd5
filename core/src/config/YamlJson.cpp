// YAML -> JSON for agent settings. Numbers keep their written digits where JSON allows them
// (0.70 stays 0.70), so no precision is lost on the way to the plugin.
#include "config/YamlJson.hpp"

#include "util/JsonText.hpp"

#include <cctype>
#include <cstdio>

namespace rivet::config {
namespace {

bool isDigit(char c) {
  return c >= '0' && c <= '9';
}

// A YAML 1.2 core-schema decimal int or float (no .inf/.nan), rewritten as a JSON number.
bool decimalNumber(const std::string& s, std::string& json) {
  size_t i = 0;
  std::string sign;
  if (i < s.size() && (s[i] == '-' || s[i] == '+'))
    sign = s[i++] == '-' ? "-" : "";
  size_t intStart = i;
  while (i < s.size() && isDigit(s[i]))
    ++i;
  std::string intPart = s.substr(intStart, i - intStart);
  std::string frac;
  bool hasDot = i < s.size() && s[i] == '.';
  if (hasDot) {
    size_t fracStart = ++i;
    while (i < s.size() && isDigit(s[i]))
      ++i;
    frac = s.substr(fracStart, i - fracStart);
  }
  if (intPart.empty() && frac.empty())
    return false;
  std::string exponent;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    size_t expStart = i++;
    if (i < s.size() && (s[i] == '-' || s[i] == '+'))
      ++i;
    size_t digits = i;
    while (i < s.size() && isDigit(s[i]))
      ++i;
    if (i == digits)
      return false;
    exponent = s.substr(expStart, i - expStart);
  }
  if (i != s.size())
    return false;
  size_t nonZero = intPart.find_first_not_of('0');
  intPart = nonZero == std::string::npos ? "0" : intPart.substr(nonZero);
  json = sign + intPart + (hasDot ? "." + (frac.empty() ? "0" : frac) : "") + exponent;
  return true;
}

// 0x1F and 0o17, as YAML 1.2 core ints; false when not one or too large.
bool radixNumber(const std::string& s, std::string& json) {
  if (s.size() < 3 || s[0] != '0' || (s[1] != 'x' && s[1] != 'o'))
    return false;
  const unsigned base = s[1] == 'x' ? 16 : 8;
  unsigned long long value = 0;
  for (size_t i = 2; i < s.size(); ++i) {
    char c = static_cast<char>(std::tolower(static_cast<unsigned char>(s[i])));
    unsigned digit = isDigit(c)               ? static_cast<unsigned>(c - '0')
                     : (c >= 'a' && c <= 'f') ? static_cast<unsigned>(c - 'a' + 10)
                                              : 99;
    if (digit >= base || value > (~0ULL - digit) / base)
      return false;
    value = value * base + digit;
  }
  json = std::to_string(value);
  return true;
}

std::string plainScalar(const YAML::Node& node, const std::string& path, FieldReader& r) {
  const std::string& s = node.Scalar();
  if (s == "true" || s == "True" || s == "TRUE")
    return "true";
  if (s == "false" || s == "False" || s == "FALSE")
    return "false";
  std::string number;
  if (decimalNumber(s, number) || radixNumber(s, number))
    return number;
  return util::jsonString(r.substitute(node, path));
}

} // namespace

std::string yamlEntriesToJson(const YamlEntries& entries, const std::string& path, FieldReader& r) {
  std::string out = "{";
  for (const auto& [key, value] : entries) {
    if (out.size() > 1)
      out += ",";
    out += util::jsonString(key) + ":" + yamlToJson(value, path + "." + key, r);
  }
  return out + "}";
}

std::string yamlToJson(const YAML::Node& node, const std::string& path, FieldReader& r) {
  if (!node.IsDefined() || node.IsNull())
    return "null";
  if (node.IsScalar())
    return node.Tag() == "?" ? plainScalar(node, path, r)
                             : util::jsonString(r.substitute(node, path));
  if (node.IsSequence()) {
    std::string out = "[";
    for (size_t i = 0; i < node.size(); ++i)
      out += (i ? "," : "") + yamlToJson(node[i], path + "[" + std::to_string(i) + "]", r);
    return out + "]";
  }
  YamlEntries entries;
  r.forEachEntry(node, path, {}, [&](const std::string& key, const YAML::Node& value) {
    entries.emplace_back(key, value);
  });
  return yamlEntriesToJson(entries, path, r);
}

} // namespace rivet::config
