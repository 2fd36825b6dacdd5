// The environment a command runs with: a snapshot of rivetd's own, plus the task's RIVET_*
// variables and the agent's `env:` settings, later entries replacing earlier ones by name.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace rivet::command {

class ChildEnvironment {
public:
  /// A copy of this process's environment. Call from the main thread (create), where no one
  /// else is changing it.
  static ChildEnvironment ofThisProcess();

  /// Adds `name`, or replaces its value if present.
  void set(std::string_view name, std::string_view value);
  /// "NAME=value" strings, for execve.
  std::vector<std::string> entries() const;

private:
  std::vector<std::pair<std::string, std::string>> vars_;
};

} // namespace rivet::command
