// `tasks:`: whole numbers in their ranges (FieldReader), unknown keys with a suggestion, and the
// one cross-key rule of the section, the default timeout within the longest one.
#include "config/TasksSection.hpp"

#include <string>
#include <vector>

namespace rivet::config {
namespace {

std::vector<std::string> tasksKeys() {
  std::vector<std::string> keys;
  const TasksConfig defaults;
  forEachTasksKey(defaults, [&](const char* key, int64_t, int64_t, const auto&, const char*) {
    keys.push_back(key);
  });
  return keys;
}

void checkDefaultTimeout(const TasksConfig& t, const FieldReader& r) {
  if (t.defaultTimeoutMs <= t.maxTimeoutMs)
    return;
  const bool written = r.has("tasks.default_timeout_ms");
  const char* at = written ? "tasks.default_timeout_ms" : "tasks.max_timeout_ms";
  const std::string value = std::to_string(t.defaultTimeoutMs) + (written ? "" : " (its default)");
  r.fail(r.markOf(at), "tasks.default_timeout_ms",
         value + " is greater than tasks.max_timeout_ms (" + std::to_string(t.maxTimeoutMs) +
             "), the longest timeout a submit may ask for",
         "Lower default_timeout_ms to at most max_timeout_ms, or raise max_timeout_ms");
}

} // namespace

TasksConfig readTasks(const YAML::Node& node, FieldReader& r) {
  static const std::vector<std::string> kTasksKeys = tasksKeys();
  TasksConfig t;
  if (node.IsNull())
    return t;
  r.requireMap(node, "tasks", "Write tasks: with indented keys such as retention_hours: 168");
  r.forEachEntry(node, "tasks", kTasksKeys, [&](const std::string& key, const YAML::Node& v) {
    forEachTasksKey(t, [&](const char* name, int64_t min, int64_t max, auto& field, const char*) {
      if (key == name)
        r.readInt(v, "tasks." + key, min, max, field);
    });
  });
  checkDefaultTimeout(t, r);
  return t;
}

} // namespace rivet::config
