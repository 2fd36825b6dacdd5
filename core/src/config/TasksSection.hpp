// Reads `tasks:` (ours): retention of the task journal, event streams, concurrency and timeouts
// of the task API. The key list below is the only one: the reader and --check-config use it.
#pragma once

#include "config/Config.hpp"
#include "config/FieldReader.hpp"

#include <cstdint>

namespace rivet::config {

// Calls fn(key, min, max, field, what) for every key of tasks:, in the documented order, with
// `what` the one-line comment --check-config prints. `TasksT` is TasksConfig (to fill it) or
// const TasksConfig (to print it). default_timeout_ms is also at most max_timeout_ms.
template <typename TasksT, typename Fn> void forEachTasksKey(TasksT& t, Fn&& fn) {
  fn("retention_hours", 1, 87600, t.retentionHours, "finished tasks older than this are deleted");
  fn("max_finished", 10, 10000000, t.maxFinished,
     "finished tasks kept at most, the oldest deleted first");
  fn("events_per_task", 10, 100000, t.eventsPerTask, "the tail of events kept per task for resume");
  fn("keepalive_ms", 100, 300000, t.keepaliveMs, "a comment line on idle event streams this often");
  fn("disconnect_grace_ms", 100, 3600000, t.disconnectGraceMs,
     "a cancel-on-disconnect task is cancelled after this long with no stream");
  fn("max_running", 1, 4096, t.maxRunning, "tasks running at once; beyond it a submit gets 503");
  fn("default_timeout_ms", 1000, 604800000, t.defaultTimeoutMs,
     "a submit without timeoutMs gets this");
  fn("max_timeout_ms", 1000, 604800000, t.maxTimeoutMs,
     "the longest timeoutMs a submit may ask for");
  fn("progress_per_second", 1, 100000, t.progressPerSecond,
     "progress events per task and second after the burst (text is merged, not lost)");
  fn("progress_burst", 1, 100000, t.progressBurst, "progress events a task may send at once");
}

// A null node means no tasks: section: every default. default_timeout_ms above max_timeout_ms
// is an error (a submit without timeoutMs would get more than any submit may ask for).
TasksConfig readTasks(const YAML::Node& node, FieldReader& reader);

} // namespace rivet::config
