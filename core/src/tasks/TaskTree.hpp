// GET /api/tasks/<id>?tree=N: a task with the tasks it started on other nodes, each read from
// its own node (which reads its own children the same way, one level fewer), so that every
// node reads only tasks it submitted itself.
#pragma once

#include "delegation/DelegationEngine.hpp"
#include "tasks/TaskRecord.hpp"

#include <string>

namespace rivet::tasks {

constexpr int kMaxTreeLevels = 8;

// The task object of `task` whose children carry "task" (their tree, `levels - 1` deep) or
// "error" (why it could not be read). `levels` 1: the children are not read.
std::string taskTreeJson(delegation::DelegationEngine& engine, const TaskRecord& task, int levels);

} // namespace rivet::tasks
