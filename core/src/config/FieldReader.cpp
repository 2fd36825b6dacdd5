// Typed field reading and message formatting for the configuration loader.
// yaml-cpp marks are 0-based; every message shows them 1-based, as an editor does.
#include "config/FieldReader.hpp"

#include "config/ConfigLoader.hpp"
#include "config/NameRules.hpp"
#include "config/NearestKey.hpp"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <limits>
#include <set>

namespace rivet::config {
namespace fs = std::filesystem;

namespace {

bool isPlain(const YAML::Node& node) {
  return node.IsScalar() && node.Tag() == "?";
}

bool validMark(const YAML::Mark& mark) {
  return mark.line >= 0 && mark.column >= 0;
}

std::string joinKeys(const std::vector<std::string>& keys) {
  std::string out;
  for (const auto& k : keys)
    out += (out.empty() ? "" : ", ") + k;
  return out;
}

// A decimal integer as YAML writes it: optional sign, digits only.
bool parseInt(const std::string& text, int64_t& out) {
  size_t i = (!text.empty() && (text[0] == '-' || text[0] == '+')) ? 1 : 0;
  if (i == text.size())
    return false;
  bool negative = text[0] == '-';
  uint64_t value = 0;
  for (; i < text.size(); ++i) {
    if (text[i] < '0' || text[i] > '9')
      return false;
    value = value * 10 + static_cast<uint64_t>(text[i] - '0');
    if (value > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
      return false;
  }
  out = negative ? -static_cast<int64_t>(value) : static_cast<int64_t>(value);
  return true;
}

std::string rangeText(int64_t min, int64_t max) {
  if (max == std::numeric_limits<int64_t>::max())
    return min == 1 ? "a positive whole number"
                    : "a whole number of at least " + std::to_string(min);
  return "a whole number from " + std::to_string(min) + " to " + std::to_string(max);
}

} // namespace

FieldReader::FieldReader(std::string sourcePath, EnvLookup env)
    : sourcePath_(std::move(sourcePath)), env_(std::move(env)) {
  fs::path parent = fs::path(sourcePath_).parent_path();
  std::error_code ec;
  fs::path base = parent.empty() ? fs::current_path(ec) : fs::absolute(parent, ec);
  baseDir_ = base.lexically_normal().string();
}

void FieldReader::fail(const std::optional<YAML::Mark>& mark, const std::string& path,
                       const std::string& problem, const std::string& hint) const {
  std::string where = sourcePath_;
  if (mark && validMark(*mark))
    where += ":" + std::to_string(mark->line + 1) + ":" + std::to_string(mark->column + 1);
  throw ConfigError(ConfigPositions::formatLine(where, path, problem, hint));
}

void FieldReader::failAt(const std::string& path, const std::string& problem,
                         const std::string& hint) const {
  fail(markOf(path), path, problem, hint);
}

void FieldReader::warn(const std::optional<YAML::Mark>& mark, const std::string& text) {
  std::string where = sourcePath_;
  if (mark && validMark(*mark))
    where += ":" + std::to_string(mark->line + 1) + ":" + std::to_string(mark->column + 1);
  warnPlain(mark, where + ": " + text);
}

void FieldReader::warnPlain(const std::optional<YAML::Mark>& mark, const std::string& text) {
  bool known = mark && validMark(*mark);
  warnings_.push_back({known ? mark->line : -1, known ? mark->column : -1, text});
}

std::vector<std::string> FieldReader::takeWarnings() {
  auto key = [](const Warning& w) {
    return std::make_pair(w.line < 0 ? std::numeric_limits<int>::max() : w.line, w.column);
  };
  std::stable_sort(warnings_.begin(), warnings_.end(),
                   [&](const Warning& a, const Warning& b) { return key(a) < key(b); });
  std::vector<std::string> out;
  for (auto& w : warnings_)
    out.push_back(std::move(w.text));
  warnings_.clear();
  return out;
}

void FieldReader::requireMap(const YAML::Node& node, const std::string& path,
                             const std::string& hint) const {
  if (!node.IsMap() && !node.IsNull())
    fail(valueMark(node, path), path, "expected a map of settings, found " + describe(node), hint);
}

void FieldReader::forEachEntry(const YAML::Node& node, const std::string& path,
                               const std::vector<std::string>& known, const EntryFn& fn) {
  if (node.IsNull())
    return;
  std::set<std::string> seen;
  for (const auto& entry : node) {
    const YAML::Node keyNode = entry.first;
    const YAML::Node value = entry.second;
    std::string prefix = path.empty() ? "" : path + ".";
    if (!keyNode.IsScalar())
      fail(keyNode.Mark(), path.empty() ? "(top level)" : path,
           "a key is " + describe(keyNode) + ", not a name", "Write keys as plain names");
    const std::string key = keyNode.Scalar();
    const std::string keyPath = prefix + key;
    if (!seen.insert(key).second) {
      fail(keyNode.Mark(), keyPath,
           "duplicate key (already set at line " + std::to_string(markOf(keyPath)->line + 1) + ")",
           "Keep only one " + key + ": entry");
    }
    // A null value's own mark points past it; the key's is what a reader looks for.
    recordMark(keyPath, value.IsNull() ? keyNode.Mark() : value.Mark());
    keyMarks_[keyPath] = keyNode.Mark();
    bool isKnown = known.empty();
    for (const auto& k : known)
      isKnown = isKnown || k == key;
    if (!isKnown) {
      std::string nearest = nearestKey(key, known);
      warn(keyNode.Mark(),
           "unknown key " + keyPath +
               (nearest.empty() ? " is ignored (known keys here: " + joinKeys(known) + ")"
                                : " (did you mean " + prefix + nearest + "?)"));
      continue;
    }
    fn(key, value);
  }
}

ConfigPositions FieldReader::positions() const {
  std::map<std::string, ConfigPositions::Position> keys;
  for (const auto& [path, mark] : keyMarks_)
    if (validMark(mark))
      keys[path] = {mark.line + 1, mark.column + 1};
  for (const auto& [path, mark] : marks_) // list items have no key: where the item is
    if (validMark(mark) && keys.count(path) == 0)
      keys[path] = {mark.line + 1, mark.column + 1};
  return ConfigPositions(sourcePath_, std::move(keys));
}

std::optional<YAML::Mark> FieldReader::markOf(const std::string& path) const {
  auto it = marks_.find(path);
  if (it == marks_.end())
    return std::nullopt;
  return it->second;
}

std::optional<YAML::Mark> FieldReader::keyMarkOf(const std::string& path) const {
  auto it = keyMarks_.find(path);
  if (it == keyMarks_.end())
    return std::nullopt;
  return it->second;
}

std::optional<YAML::Mark> FieldReader::valueMark(const YAML::Node& node,
                                                 const std::string& path) const {
  if (node.IsDefined() && !node.IsNull() && validMark(node.Mark()))
    return node.Mark();
  return markOf(path);
}

void FieldReader::readBool(const YAML::Node& node, const std::string& path, bool& out) const {
  if (node.IsNull())
    return;
  if (isPlain(node)) {
    const std::string& s = node.Scalar();
    if (s == "true" || s == "True" || s == "TRUE") {
      out = true;
      return;
    }
    if (s == "false" || s == "False" || s == "FALSE") {
      out = false;
      return;
    }
  }
  std::string hint = node.IsScalar() && !isPlain(node) ? "Write true or false without quotes"
                                                       : "Write true or false";
  fail(valueMark(node, path), path, "expected true or false, found " + describe(node), hint);
}

void FieldReader::readInt(const YAML::Node& node, const std::string& path, int64_t min, int64_t max,
                          int64_t& out) const {
  if (node.IsNull())
    return;
  const std::string expected = rangeText(min, max);
  int64_t value = 0;
  if (!node.IsScalar() || !parseInt(node.Scalar(), value)) {
    fail(valueMark(node, path), path, "expected " + expected + ", found " + describe(node),
         "Write " + expected + " (digits only)");
  }
  if (!isPlain(node)) {
    fail(valueMark(node, path), path, "expected " + expected + ", found " + describe(node),
         "Write the number without quotes");
  }
  if (value < min || value > max) {
    fail(valueMark(node, path), path, node.Scalar() + " is out of range: expected " + expected,
         "Choose a value in that range");
  }
  out = value;
}

void FieldReader::readInt(const YAML::Node& node, const std::string& path, int64_t min, int64_t max,
                          int& out) const {
  int64_t value = out;
  readInt(node, path, min, max, value);
  out = static_cast<int>(value);
}

std::string FieldReader::substitute(const YAML::Node& node, const std::string& path) const {
  Substitution s = substituteEnv(node.Scalar(), env_);
  if (s.error.empty())
    return s.value;
  if (!s.variable.empty() && s.error.find("not set") != std::string::npos) {
    fail(valueMark(node, path), path, s.error,
         "Set " + s.variable + " in rivetd's environment, or write the value directly " +
             "(write $${ for a literal ${)");
  }
  fail(valueMark(node, path), path, s.error,
       "Write ${NAME} to use a variable, or $${ for a literal ${");
}

void FieldReader::readString(const YAML::Node& node, const std::string& path, std::string& out,
                             bool allowEmpty) const {
  if (node.IsNull())
    return;
  if (!node.IsScalar())
    fail(valueMark(node, path), path, "expected a string, found " + describe(node),
         "Write a single value");
  std::string value = substitute(node, path);
  if (value.empty() && !allowEmpty)
    fail(valueMark(node, path), path, "must not be empty",
         "Give it a value, or remove the key to use the default");
  out = value;
}

void FieldReader::readHost(const YAML::Node& node, const std::string& path,
                           std::string& out) const {
  if (node.IsNull())
    return;
  readString(node, path, out);
  checkHost(out, path);
}

void FieldReader::checkHost(const std::string& value, const std::string& path,
                            const std::string& origin) const {
  std::string from = origin.empty() ? "" : " (from " + origin + ")";
  if (value.empty())
    failAt(path, "must not be empty" + from, "Set it to an IP address or host name");
  char bad = firstShellUnsafe(value);
  if (bad != '\0') {
    std::string what = std::isspace(static_cast<unsigned char>(bad))
                           ? std::string("whitespace")
                           : "the character " + std::string(1, bad);
    failAt(path,
           quote(value) + from + " is shell-unsafe: it contains " + what +
               " (whitespace and ; & | ` $ < > ( ) ' \" \\ are not allowed)",
           "Use a plain IP address or host name, e.g. 192.168.1.10 or node-a.mesh");
  }
}

void FieldReader::readPath(const YAML::Node& node, const std::string& path,
                           std::string& out) const {
  std::string value;
  readString(node, path, value);
  if (!value.empty())
    out = resolvePath(value);
}

std::string FieldReader::resolvePath(const std::string& value) const {
  if (value.empty())
    return value;
  fs::path p(value);
  if (p.is_relative())
    p = fs::path(baseDir_) / p;
  return p.lexically_normal().string();
}

std::string FieldReader::describe(const YAML::Node& node) {
  if (!node.IsDefined() || node.IsNull())
    return "nothing (null)";
  if (node.IsMap())
    return "a map";
  if (node.IsSequence())
    return "a list";
  return isPlain(node) ? quote(node.Scalar()) : "the quoted string " + quote(node.Scalar());
}

std::string FieldReader::quote(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '\n')
      out += "\\n";
    else if (c == '"' || c == '\\')
      out += std::string("\\") + c;
    else
      out += c;
  }
  return out + "\"";
}

} // namespace rivet::config
