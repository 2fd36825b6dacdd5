// The JSON texts of the task API (docs/protocol.md "Tasks"): the task object, results, event
// data, and Server-Sent Events frames.
#pragma once

#include "tasks/TaskRecord.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace rivet::tasks {

// The task object that every task endpoint answers with.
std::string taskJson(const TaskRecord& task);
// {"tasks":[...]}
std::string taskListJson(const std::vector<TaskRecord>& tasks);
// A task's result: {"status":..,"response":..,"agent":..,"durationMs":..}
std::string resultJson(std::string_view status, std::string_view response, std::string_view agent,
                       int64_t durationMs);
// The data of a `state` event: {"state":..} and, for a terminal state, "result".
std::string stateEventJson(std::string_view state, std::string_view resultJson);
// One SSE frame: "id: <seq>\nevent: <type>\ndata: <json>\n\n" (no id line when seq is 0).
std::string sseFrame(int64_t seq, std::string_view type, std::string_view dataJson);

} // namespace rivet::tasks
