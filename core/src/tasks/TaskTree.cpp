// Reading a task's tree across nodes (see TaskTree.hpp).
#include "tasks/TaskTree.hpp"

#include "delegation/RemoteCall.hpp"
#include "tasks/TaskJson.hpp"
#include "util/JsonText.hpp"

#include "rivet/sdk/json.hpp"

#include <chrono>

namespace rivet::tasks {
namespace {

constexpr int64_t kChildTimeoutMs = 5000;
constexpr size_t kMaxChildrenRead = 32; // a task with more shows the rest unread

std::string errorField(std::string_view why) {
  return ",\"error\":" + util::jsonString(why);
}

} // namespace

std::string taskTreeJson(delegation::DelegationEngine& engine, const TaskRecord& task, int levels) {
  if (levels <= 1 || task.children.empty())
    return taskJson(task);
  std::vector<std::string> fields;
  for (const auto& child : task.children) {
    if (fields.size() >= kMaxChildrenRead) {
      fields.push_back(errorField("not read: only the first " + std::to_string(kMaxChildrenRead) +
                                  " children of a task are read"));
      continue;
    }
    const std::string path = "/api/tasks/" + child.taskId + "?tree=" + std::to_string(levels - 1);
    delegation::PeerAnswer a =
        engine.askNode(child.node, child.agent, "GET", path, kChildTimeoutMs);
    if (a.net != RIVET_NET_OK) {
      fields.push_back(errorField("cannot reach " + child.node + ": " + a.error));
      continue;
    }
    auto doc = a.status == 200 ? sdk::json::tryParse(a.body) : std::nullopt;
    if (!doc || !doc->isObject()) {
      fields.push_back(errorField(child.node + " answered HTTP " + std::to_string(a.status) +
                                  (a.status == 200 ? " without a task object" : "")));
      continue;
    }
    fields.push_back(",\"task\":" + doc->dump()); // re-written: only well-formed JSON goes on
  }
  return taskJson(task, &fields);
}

} // namespace rivet::tasks
