// One client attached to a task's events (GET /api/tasks/<id>/events): the task layer writes
// Server-Sent Events frames to it from any thread and ends it once.
#pragma once

#include <cstdint>
#include <string_view>

namespace rivet::tasks {

class EventStream {
public:
  virtual ~EventStream() = default;
  // Sends `bytes` (whole SSE frames; none: only asks whether the client is still there).
  // False once the client has gone: write no more then.
  // Never called concurrently for one stream (the task layer serializes its writers).
  virtual bool write(std::string_view bytes) = 0;
  // One task event (seq 0 for a "gap" notice), with `frame` its SSE frame as write() takes it.
  // A stream that speaks another format (A2A) writes its own frames from type and data.
  virtual bool event(int64_t seq, std::string_view type, std::string_view dataJson,
                     std::string_view frame) {
    (void)seq, (void)type, (void)dataJson;
    return write(frame);
  }
  // Ends the answer. Called exactly once, also after write() returned false.
  virtual void end() = 0;
};

} // namespace rivet::tasks
