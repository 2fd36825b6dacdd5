// Task events to A2A stream responses.
#include "a2a/A2aStream.hpp"

#include "a2a/A2aJson.hpp"
#include "tasks/TaskStore.hpp"
#include "util/JsonText.hpp"

#include "rivet/sdk/json.hpp"

#include <chrono>

namespace rivet::a2a {
namespace {

int64_t nowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string text(const sdk::json::Value& v, std::string_view key) {
  return v.getString(key).value_or("");
}

} // namespace

EventAdapter::EventAdapter(std::shared_ptr<tasks::EventStream> out, std::string idJson,
                           std::string taskId, std::string contextId,
                           std::function<std::string()> answer)
    : out_(std::move(out)), idJson_(std::move(idJson)), taskId_(std::move(taskId)),
      contextId_(std::move(contextId)), answer_(std::move(answer)) {}

bool EventAdapter::send(const std::string& result) {
  return out_->write(sseData(rpcResult(idJson_, result)));
}

bool EventAdapter::first(const std::string& taskJson) {
  return send("{\"task\":" + taskJson + "}");
}

bool EventAdapter::write(std::string_view bytes) {
  return out_->write(bytes);
}

bool EventAdapter::event(int64_t seq, std::string_view type, std::string_view dataJson,
                         std::string_view) {
  if (final_)
    return true;
  auto data = sdk::json::tryParse(dataJson);
  if (!data || !data->isObject())
    return true;
  const std::string messageId = taskId_ + "-" + std::to_string(seq);
  auto working = [&](const std::string& message, const std::string& metadata) {
    return send(statusUpdateJson(
        taskId_, contextId_, "working",
        message.empty() ? "" : agentMessageJson(messageId, taskId_, contextId_, message, metadata),
        nowMs()));
  };
  if (type == "state") {
    const std::string state = text(*data, "state");
    if (state == "submitted" || !tasks::TaskStore::isState(state))
      return true; // the task that opened the stream said so
    if (!tasks::TaskStore::isTerminal(state))
      return working("", "");
    final_ = true;
    const sdk::json::Value* result = data->find("result");
    const std::string answer = result && result->isObject()
                                   ? result->getString("response").value_or("")
                                   : answer_(); // too large for the event: from the record
    if (state == "completed")
      return send(artifactUpdateJson(taskId_, contextId_, answer)) &&
             send(statusUpdateJson(taskId_, contextId_, state, "", nowMs()));
    return send(statusUpdateJson(taskId_, contextId_, state,
                                 agentMessageJson(messageId, taskId_, contextId_, answer, ""),
                                 nowMs()));
  }
  if (type == "progress") {
    const std::string said = text(*data, "text");
    std::string meta = "{\"rivet\":{\"kind\":" + util::jsonString(text(*data, "kind")) +
                       ",\"agent\":" + util::jsonString(text(*data, "agent")) +
                       ",\"node\":" + util::jsonString(text(*data, "node")) + "}}";
    return said.empty() ? true : working(said, meta);
  }
  if (type == "delegation") {
    const std::string who = text(*data, "agent") + "@" + text(*data, "node");
    const std::string phase = text(*data, "phase");
    const std::string said =
        phase == "started" ? "Delegated to " + who : who + " ended: " + text(*data, "state");
    return working(said, "{\"rivet\":{\"delegation\":" + std::string(dataJson) + "}}");
  }
  return true; // "gap" and kinds this version does not know
}

void EventAdapter::end() {
  out_->end();
}

void TaskWaiter::end() {
  std::function<std::string()> answer;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    answer.swap(answer_);
  }
  if (!answer)
    return;
  out_->write(answer());
  out_->end();
}

} // namespace rivet::a2a
