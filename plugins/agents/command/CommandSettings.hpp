// The settings of one `command` agent (its `agents:` entry), read and checked once at create
// time so that a typo or a missing program stops start-up instead of failing every task.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace rivet::command {

struct CommandSettings {
  std::vector<std::string> argv; // as configured; argv[0] is what the program sees
  std::string program;           // argv[0] resolved to an absolute path (PATH looked up)
  int64_t timeoutMs = 0;         // 0: only the task's own deadline applies
  size_t maxOutputBytes = 1024 * 1024;
  int64_t killGraceMs = 2000;                           // SIGTERM to SIGKILL
  std::string cwd;                                      // empty: rivetd's working directory
  std::vector<std::pair<std::string, std::string>> env; // added to rivetd's environment
  std::string provider = "command";
  std::string model;          // default: basename of argv[0]
  bool stderrProgress = true; // each stderr line is a progress line of the task
  std::vector<std::string> unknownKeys;

  /// Reads a settings JSON object. Throws sdk::PluginError naming the offending key.
  static CommandSettings parse(const std::string& json);
};

} // namespace rivet::command
