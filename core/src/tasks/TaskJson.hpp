// The JSON texts of the task API (docs/protocol.md "Tasks"): the task object, results, event
// data, and Server-Sent Events frames.
#pragma once

#include "tasks/TaskRecord.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace rivet::tasks {

// The task object that every task endpoint answers with. `childFields`, when given, holds for
// each child a JSON text of fields (",\"task\":{...}") appended to its object.
std::string taskJson(const TaskRecord& task, const std::vector<std::string>* childFields = nullptr);
// {"tasks":[...]}
std::string taskListJson(const std::vector<TaskRecord>& tasks);
// A task's result: {"status":..,"response":..,"agent":..,"durationMs":..}
std::string resultJson(std::string_view status, std::string_view response, std::string_view agent,
                       int64_t durationMs);
// The data of a `state` event: {"state":..} and, for a terminal state, "result" (or, for a
// result over kMaxEventResult bytes, "resultOmitted":true: GET the task for it).
constexpr size_t kMaxEventResult = 60 * 1024;
std::string stateEventJson(std::string_view state, std::string_view resultJson);
// The data of a `progress` event: {"kind","text","agent","node"}.
std::string progressJson(std::string_view kind, std::string_view text, std::string_view agent,
                         std::string_view node);
// The data of a `delegation` event: {"phase":"started"|"ended","node","taskId","agent","from"}
// and, when ended, "state" and "result" (a JSON text).
std::string delegationJson(std::string_view phase, std::string_view node, std::string_view taskId,
                           std::string_view agent, std::string_view from, std::string_view state,
                           std::string_view resultJson);
// taskJson() with "events": the events given, as {"id","type","data","atMs"}.
std::string taskJsonWithEvents(const TaskRecord& task, const std::vector<TaskEvent>& events);
// One SSE frame: "id: <seq>\nevent: <type>\ndata: <json>\n\n" (no id line when seq is 0).
std::string sseFrame(int64_t seq, std::string_view type, std::string_view dataJson);

} // namespace rivet::tasks
