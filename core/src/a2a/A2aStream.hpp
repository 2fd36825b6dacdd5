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
  // `answer` reads the finished task's answer from its record, for a result too large for its
  // event (the task layer omits it there).
  EventAdapter(std::shared_ptr<tasks::EventStream> out, std::string idJson, std::string taskId,
               std::string contextId, std::function<std::string()> answer);
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
  std::function<std::string()> answer_;
  bool final_ = false;
};

// A blocking SendMessage: watches the task on an answer already begun as one JSON document
// (TaskReply::beginJson). Keep-alives become a space (JSON allows it before the value), which
// also tells when the client has gone; when the task layer ends the watch (the task ended, or
// the node stops) `answer` reads the task and its JSON is the document.
class TaskWaiter : public tasks::EventStream {
public:
  TaskWaiter(std::shared_ptr<tasks::EventStream> out, std::function<std::string()> answer)
      : out_(std::move(out)), answer_(std::move(answer)) {}
  bool write(std::string_view bytes) override { return out_->write(bytes.empty() ? "" : " "); }
  bool event(int64_t, std::string_view, std::string_view, std::string_view) override {
    return true;
  }
  void end() override;

private:
  std::shared_ptr<tasks::EventStream> out_;
  std::mutex mutex_;
  std::function<std::string()> answer_;
};

} // namespace rivet::a2a
