// The task API on the agent channel (docs/protocol.md "Tasks"): POST /api/tasks,
// GET /api/tasks, GET /api/tasks/<id>, GET /api/tasks/<id>/events (Server-Sent Events) and
// POST /api/tasks/<id>/cancel. Requests are checked as hostile input; the caller is the
// certificate that sent them.
#pragma once

#include "channel/AgentChannel.hpp"
#include "tasks/EventStream.hpp"
#include "tasks/TaskService.hpp"

#include <atomic>
#include <memory>
#include <string_view>

namespace rivet::tasks {

struct TaskLimits {
  int64_t defaultTimeoutMs = 600000;
  int64_t maxTimeoutMs = 86400000;
};

// How an endpoint answers: once, whole, or by starting a stream.
class TaskReply {
public:
  virtual ~TaskReply() = default;
  virtual void respond(const channel::ChannelResponse& response) = 0;
  // Starts a 200 text/event-stream answer; the stream is then written by the task layer.
  virtual std::shared_ptr<EventStream> beginEvents() = 0;
  // Starts a 200 application/json answer sent as it is written (chunked): a long wait for one
  // JSON document, during which the transport no longer holds the request.
  virtual std::shared_ptr<EventStream> beginJson() = 0;
};

class TaskEndpoints {
public:
  TaskEndpoints(TaskService& service, TaskLimits limits) : service_(service), limits_(limits) {}

  static bool handles(std::string_view path);
  // Runs on a host thread (it reads and writes the journal); answers through `reply`.
  void serve(const channel::ChannelRequest& request, TaskReply& reply);

private:
  channel::ChannelResponse submit(const channel::ChannelRequest& r, const std::string& caller);
  channel::ChannelResponse list(std::string_view query, const std::string& caller);

  TaskService& service_;
  TaskLimits limits_;
  std::atomic<int> treeReads_{0};
};

} // namespace rivet::tasks
