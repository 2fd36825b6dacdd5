// One client attached to a task's events (GET /api/tasks/<id>/events): the task layer writes
// Server-Sent Events frames to it from any thread and ends it once.
#pragma once

#include <string_view>

namespace rivet::tasks {

class EventStream {
public:
  virtual ~EventStream() = default;
  // Sends `bytes` (whole SSE frames; none: only asks whether the client is still there).
  // False once the client has gone: write no more then.
  // Never called concurrently for one stream (the task layer serializes its writers).
  virtual bool write(std::string_view bytes) = 0;
  // Ends the answer. Called exactly once, also after write() returned false.
  virtual void end() = 0;
};

} // namespace rivet::tasks
