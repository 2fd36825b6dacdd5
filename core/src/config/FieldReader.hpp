// Reads typed values out of yaml-cpp nodes for the configuration loader: one place that
// formats errors ("file:line:col: key.path: problem. what to do"), warnings and type checks.
#pragma once

#include "config/ConfigPositions.hpp"
#include "config/EnvSubstitution.hpp"

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace rivet::config {

class FieldReader {
public:
  FieldReader(std::string sourcePath, EnvLookup env);

  // Throws ConfigError "<file>:<line>:<col>: <path>: <problem>. <hint>" (no line:col without a
  // mark).
  [[noreturn]] void fail(const std::optional<YAML::Mark>& mark, const std::string& path,
                         const std::string& problem, const std::string& hint) const;
  // Same, at the position recorded for `path` by forEachEntry (else the file alone).
  [[noreturn]] void failAt(const std::string& path, const std::string& problem,
                           const std::string& hint) const;
  // A warning "<file>:<line>:<col>: <text>"; warnPlain keeps `text` exactly as given.
  void warn(const std::optional<YAML::Mark>& mark, const std::string& text);
  void warnPlain(const std::optional<YAML::Mark>& mark, const std::string& text);
  // Every warning so far, in file order (the order a reader meets them).
  std::vector<std::string> takeWarnings();

  // Calls `fn(key, value)` for each entry of a map, in YAML order, and records where each value
  // is. Duplicate and non-scalar keys are errors. Keys not in `known` get a warning with the
  // nearest known key; an empty `known` accepts every key. `node` must be a map (or null).
  using EntryFn = std::function<void(const std::string& key, const YAML::Node& value)>;
  void forEachEntry(const YAML::Node& node, const std::string& path,
                    const std::vector<std::string>& known, const EntryFn& fn);
  void requireMap(const YAML::Node& node, const std::string& path, const std::string& hint) const;
  // Where the value (or, for a null value, the key) of `path` is; keyMarkOf: where its key is.
  std::optional<YAML::Mark> markOf(const std::string& path) const;
  std::optional<YAML::Mark> keyMarkOf(const std::string& path) const;
  bool has(const std::string& path) const { return marks_.count(path) > 0; }
  // Where every key read so far is written, for checks made after loading.
  ConfigPositions positions() const;
  void recordMark(const std::string& path, const YAML::Mark& mark) { marks_[path] = mark; }

  // Typed scalars. A null value (`key:` or `key: ~`) leaves `out` at its default.
  void readBool(const YAML::Node& node, const std::string& path, bool& out) const;
  void readInt(const YAML::Node& node, const std::string& path, int64_t min, int64_t max,
               int64_t& out) const;
  void readInt(const YAML::Node& node, const std::string& path, int64_t min, int64_t max,
               int& out) const;
  // Any scalar, with ${VAR} substituted. `allowEmpty` false rejects "".
  void readString(const YAML::Node& node, const std::string& path, std::string& out,
                  bool allowEmpty = false) const;
  // A host name or address: non-empty, no whitespace, no shell metacharacters.
  void readHost(const YAML::Node& node, const std::string& path, std::string& out) const;
  // `origin` says where a value that is not in the file came from (e.g. "$RIVETOS_HOST").
  void checkHost(const std::string& value, const std::string& path,
                 const std::string& origin = "") const;
  // A string, then resolved against the config file's folder when relative.
  void readPath(const YAML::Node& node, const std::string& path, std::string& out) const;

  std::string substitute(const YAML::Node& node, const std::string& path) const;
  std::string resolvePath(const std::string& value) const;
  const std::string& sourcePath() const { return sourcePath_; }
  const EnvLookup& env() const { return env_; }

  // How a value reads in a message: `"abc"`, `a map`, `a list`, `nothing (null)`.
  static std::string describe(const YAML::Node& node);
  static std::string quote(const std::string& text);

private:
  std::optional<YAML::Mark> valueMark(const YAML::Node& node, const std::string& path) const;

  std::string sourcePath_;
  std::string baseDir_;
  EnvLookup env_;
  struct Warning {
    int line, column; // for sorting; -1 when unknown
    std::string text;
  };
  std::vector<Warning> warnings_;
  std::map<std::string, YAML::Mark> marks_;
  std::map<std::string, YAML::Mark> keyMarks_;
};

} // namespace rivet::config
