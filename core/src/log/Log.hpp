// Logging for rivetd and rivetctl: one spdlog sink shared by `[Component]` loggers, in the
// `HH:MM:SS.mmm LEVEL [Component] message` or JSON-lines format; Poco's logging is bridged in.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <spdlog/logger.h>

namespace rivet::log {

struct Settings {
  std::string level = "info";    // trace|debug|info|warn|error|critical|off
  std::string format = "pretty"; // pretty|json
  std::string file;              // empty: stderr
  bool taskText = false;         // log.task_text
};

// Applies RIVET_LOG_LEVEL and RIVET_LOG_FORMAT from the environment over `s`.
Settings withEnvironment(Settings s);

// (Re)configures every logger. Throws std::runtime_error naming the file if it cannot be opened.
void configure(const Settings& s);

// The logger of one component (created on first use, shares the configured sink and level).
std::shared_ptr<spdlog::logger> get(const std::string& component);

// Parses a level name; nullopt for an unknown name.
std::optional<spdlog::level::level_enum> parseLevel(const std::string& name);

// Opens log.file again (after the file was moved away by log rotation); a no-op on stderr. On
// failure the old file stays in use and the returned message says why and what to do.
std::optional<std::string> reopenFile();

void flush();

// While a TaskScope lives, every line its thread logs names the task: a pretty line ends with
// " [task=<id> trace=<id>]" (either part only when set), a JSON line gains "taskId" and
// "traceId". Scopes nest; the inner one wins until it ends.
class TaskScope {
public:
  // The ids are copied into this thread's own strings, which keep their room between scopes:
  // a task's scope allocates nothing.
  TaskScope(std::string_view taskId, std::string_view traceId);
  ~TaskScope();
  TaskScope(const TaskScope&) = delete;
  TaskScope& operator=(const TaskScope&) = delete;

  // The innermost scope's ids on this thread (empty outside any).
  static const std::string& taskId();
  static const std::string& traceId();

private:
  std::string previousTask_, previousTrace_;
};

} // namespace rivet::log
