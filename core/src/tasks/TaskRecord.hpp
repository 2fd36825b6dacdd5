// The records of the task journal (issue 11), one to one with A2A's task model: a task, the
// tasks it started on other nodes, its events, and how long finished tasks are kept.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace rivet::tasks {

// A task this one started on another node.
struct TaskChild {
  std::string node;
  std::string taskId;
  std::string agent;
};

struct TaskRecord {
  std::string id;             // 32 lowercase hex = 128 random bits; "" asks create() for one
  std::string caller;         // "cn:<node>" for a certificate, "local" for the node's own CLI
  std::string idempotencyKey; // "" = none
  std::string agent;          // the agent that runs it
  std::string node;           // the node it runs on
  // submitted, working, input-required, completed, failed, canceled or rejected (the last
  // four are terminal); "" asks create() for "submitted"
  std::string state;
  std::string requestJson; // the submitted body as received, stored as is
  std::string resultJson;  // "" until terminal; the final answer object as JSON text
  std::string canceledBy;  // "cn:<node>", "local", "deadline", "disconnect"; "" otherwise
  std::string traceId;     // W3C trace id (32 lowercase hex) or ""
  std::string parentId;    // the local parent task's id or ""
  bool cancelOnDisconnect = false;
  std::int64_t createdMs = 0; // wall clock, ms since the epoch
  std::int64_t updatedMs = 0;
  std::int64_t endedMs = 0; // 0 while running
  std::vector<TaskChild> children;
};

struct TaskEvent {
  std::int64_t seq = 0; // 1, 2, 3... per task, never reused
  std::string type;
  std::string dataJson;
  std::int64_t atMs = 0;
};

struct TaskRetention {
  std::int64_t maxAgeMs = 7LL * 24 * 3600 * 1000; // finished tasks older than this are pruned
  std::size_t maxFinished = 10000;                // then the oldest beyond this many
  std::size_t eventsPerTask = 1000;               // the tail of events kept per task
};

} // namespace rivet::tasks
