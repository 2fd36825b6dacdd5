// Reading a task's tree across nodes (see TaskTree.hpp).
#include "tasks/TaskTree.hpp"

#include "delegation/RemoteCall.hpp"
#include "tasks/TaskJson.hpp"
#include "util/JsonText.hpp"

#include "rivet/sdk/json.hpp"

#include <algorithm>
#include <chrono>

namespace rivet::tasks {
namespace {

constexpr int64_t kChildTimeoutMs = 5000;
constexpr auto kTreeBudget = std::chrono::seconds(15); // for all the children of one task
constexpr size_t kMaxChildrenRead = 32;                // a task with more shows the rest unread

std::string errorField(std::string_view why) {
  return ",\"error\":" + util::jsonString(why);
}

} // namespace

std::string taskTreeJson(delegation::DelegationEngine& engine, const TaskRecord& task, int levels) {
  if (levels <= 1 || task.children.empty())
    return taskJson(task);
  std::vector<std::string> fields;
  const auto until = std::chrono::steady_clock::now() + kTreeBudget;
  for (const auto& child : task.children) {
    int64_t left = std::chrono::duration_cast<std::chrono::milliseconds>(
                       until - std::chrono::steady_clock::now())
                       .count();
    if (left <= 0) {
      fields.push_back(errorField("not read: reading this task's children took longer than 15 s"));
      continue;
    }
    if (fields.size() >= kMaxChildrenRead) {
      fields.push_back(errorField("not read: only the first " + std::to_string(kMaxChildrenRead) +
                                  " children of a task are read"));
      continue;
    }
    const std::string path = "/api/tasks/" + child.taskId + "?tree=" + std::to_string(levels - 1);
    delegation::PeerAnswer a =
        engine.askNode(child.node, child.agent, "GET", path, std::min(kChildTimeoutMs, left));
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
