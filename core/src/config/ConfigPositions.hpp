// Where each key of a loaded rivet.yaml is written, so that checks made after loading (files,
// plugins, agent settings) point at the line the way the loader's own errors do.
#pragma once

#include <map>
#include <string>

namespace rivet::config {

class ConfigPositions {
public:
  struct Position {
    int line = 0;   // 1-based, as an editor counts
    int column = 0; // 1-based
  };

  ConfigPositions() = default;
  ConfigPositions(std::string sourcePath, std::map<std::string, Position> keys);

  bool has(const std::string& keyPath) const { return keys_.count(keyPath) > 0; }
  // "<file>:<line>:<col>" of the key `keyPath` (e.g. agents.reviewer.argv), else of the nearest
  // key that encloses it (agents.reviewer, agents), else the file alone.
  std::string locate(const std::string& keyPath) const;
  // One error line as the loader writes them: "<where>: <keyPath>: <problem>. <hint>."
  std::string error(const std::string& keyPath, const std::string& problem,
                    const std::string& hint) const;
  const std::string& sourcePath() const { return sourcePath_; }

  // The one format of every configuration error line; `where` is "<file>[:<line>:<col>]" and an
  // empty `keyPath` or `hint` is left out.
  static std::string formatLine(const std::string& where, const std::string& keyPath,
                                const std::string& problem, const std::string& hint);

private:
  std::string sourcePath_;
  std::map<std::string, Position> keys_;
};

} // namespace rivet::config
