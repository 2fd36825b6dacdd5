// How the task layer's events reach an A2A client (docs/a2a.md "Streaming"): an adapter that
// turns them into A2A stream responses on an SSE stream, and a waiter that answers a blocking
// SendMessage once its task ends.
#pragma once

#include "tasks/EventStream.hpp"
#include "tasks/TaskEndpoints.hpp"
#include "tasks/TaskService.hpp"

#include <functional>
#include <memory>
#include <mutex>
#include <string>

namespace rivet::a2a {

// The events of one task as A2A stream responses, each a JSON-RPC response to `idJson`:
// "working" and progress and delegations as status updates (state WORKING, the text as the
// agent's message), the answer as the artifact "answer" and then the final status. The stream
// ends after the final status.
class EventAdapter : public tasks::EventStream {
public:
  EventAdapter(std::shared_ptr<tasks::EventStream> out, std::string idJson, std::string taskId,
               std::string contextId);
  // The first event of every A2A stream: the task as it is.
  bool first(const std::string& taskJson);
  bool write(std::string_view bytes) override; // keep-alive comments and probes, as they are
  bool event(int64_t seq, std::string_view type, std::string_view dataJson,
             std::string_view frame) override;
  void end() override;

private:
  bool send(const std::string& result);

  std::shared_ptr<tasks::EventStream> out_;
  const std::string idJson_, taskId_, contextId_;
  bool final_ = false;
};

// Watches a task and calls `done` once, when the task layer ends the watch (the task ended,
// or the node stops); `done` reads the task then.
class TaskWaiter : public tasks::EventStream {
public:
  explicit TaskWaiter(std::function<void()> done) : done_(std::move(done)) {}
  bool write(std::string_view) override { return true; }
  bool event(int64_t, std::string_view, std::string_view, std::string_view) override {
    return true;
  }
  void end() override;

private:
  std::mutex mutex_;
  std::function<void()> done_;
};

} // namespace rivet::a2a
