// The A2A 1.0 JSON-RPC exchange of one task: the request bodies, the SSE stream read through
// llm-common's SseReader (1 MiB per event), polling with GetTask at poll_interval_ms, CancelTask
// on cancellation, deadline and interrupted states; every early end names the endpoint.
#include "RemoteTask.hpp"

#include "ProgressReport.hpp"
#include "SseReader.hpp"

#include <rivet/sdk/json.hpp>

#include <Poco/UUIDGenerator.h>

#include <thread>

namespace rivet::a2a {
namespace {

namespace json = sdk::json;
using std::chrono::milliseconds;

std::string excerpt(const std::string& body) {
  std::string e = llm::ProgressReport::firstCharacters(body, 300);
  return e.size() < body.size() ? e + "..." : e;
}

} // namespace

std::string randomUuid() {
  return Poco::UUIDGenerator::defaultGenerator().createRandom().toString();
}

RemoteTask::RemoteTask(const RemoteCall& call, const AgentCard& card, const sdk::Host& host,
                       const sdk::Task& task)
    : call_(call), card_(card), host_(host), task_(task),
      cancelled_([&task] { return task.cancelled(); }),
      events_([&host, &task](const char* kind, const std::string& text) {
        (void)host.progress(task.raw, kind, text); // false: nobody watches, which is fine
      }),
      idBase_("rivet-" + randomUuid().substr(0, 8) + "-") {}

std::string RemoteTask::nextId() {
  return idBase_ + std::to_string(++requests_);
}

std::string RemoteTask::who() const {
  return "the remote agent '" + card_.name + "' at " + card_.endpoint.toString();
}

std::string RemoteTask::request(const std::string& id, const std::string& method,
                                const std::string& params) {
  return R"({"jsonrpc":"2.0","id":)" + json::quoted(id) + R"(,"method":)" + json::quoted(method) +
         R"(,"params":)" + params + "}";
}

std::string RemoteTask::messageParams(bool returnImmediately) const {
  json::Value part = json::Value::object();
  part.set("text", json::Value::string(std::string(task_.message())));
  json::Value parts = json::Value::array();
  parts.push(std::move(part));
  json::Value message = json::Value::object();
  message.set("messageId", json::Value::string(randomUuid()));
  message.set("role", json::Value::string("ROLE_USER"));
  message.set("parts", std::move(parts));
  json::Value rivet = json::Value::object(); // where the task came from, for the remote's logs
  if (!task_.taskId().empty())
    rivet.set("taskId", json::Value::string(std::string(task_.taskId())));
  if (!task_.traceId().empty())
    rivet.set("traceId", json::Value::string(std::string(task_.traceId())));
  if (!task_.fromAgent().empty())
    rivet.set("fromAgent", json::Value::string(std::string(task_.fromAgent())));
  if (!rivet.members().empty()) {
    json::Value metadata = json::Value::object();
    metadata.set("rivet", std::move(rivet));
    message.set("metadata", std::move(metadata));
  }
  json::Value params = json::Value::object();
  params.set("message", std::move(message));
  if (returnImmediately) { // the task id at once, so that polling and CancelTask can use it
    json::Value configuration = json::Value::object();
    configuration.set("returnImmediately", json::Value::boolean(true));
    params.set("configuration", std::move(configuration));
  }
  return params.dump();
}

sdk::TaskResult RemoteTask::run(const llm::Budget& budget, bool& transportFailed) {
  transportFailed = false;
  return card_.streaming ? stream(budget, transportFailed) : poll(budget, transportFailed);
}

sdk::TaskResult RemoteTask::httpError(const llm::HttpAnswer& answer) const {
  std::string hint;
  if (answer.status == 401 || answer.status == 403)
    hint = "; the remote agent refused our credentials: check token_file, or the client "
           "certificate (client_cert, use_node_certificate) it expects";
  else if (answer.status == 404 || answer.status == 405)
    hint = "; the card's JSONRPC endpoint may be out of date (the card is fetched again)";
  return sdk::TaskResult::failed(who() + " answered HTTP " + std::to_string(answer.status) + " " +
                                 answer.reason + hint +
                                 (answer.body.empty() ? "" : ": " + excerpt(answer.body)));
}

sdk::TaskResult RemoteTask::stream(const llm::Budget& budget, bool& transportFailed) {
  const std::string id = nextId();
  llm::SseReader reader(
      [&](const std::string&, const std::string& data) { events_.response(data, id); },
      TaskEvents::kMaxEventBytes);
  RemoteHttp::BodySink sink = [&](const char* data, size_t size) {
    reader.feed(data, size);
    if (events_.finished())
      throw llm::StreamError(""); // the final state: stop reading (not an error)
  };
  llm::PostOutcome out;
  try {
    out = call_.http.post(card_.endpoint, request(id, "SendStreamingMessage", messageParams(false)),
                          call_.headers, TaskEvents::kMaxResponseBytes, budget, cancelled_, &sink);
    if (out.answer && out.answer->streamed)
      reader.finish();
  } catch (const llm::StreamError& e) {
    if (events_.finished())
      return finish();
    transportFailed = true;
    return endEarly(
        sdk::TaskResult::failed(who() + " sent a stream that cannot be used: " + e.what()));
  }
  if (!out.answer) {
    transportFailed = !cancelled_() && out.failure.status != RIVET_TASK_TIMEOUT;
    return endEarly(out.failure);
  }
  if (out.answer->status < 200 || out.answer->status >= 300) {
    transportFailed = true;
    return httpError(*out.answer);
  }
  if (!out.answer->streamed) { // a server that answers the stream request with one response
    try {
      events_.response(out.answer->body, id);
    } catch (const llm::StreamError& e) {
      transportFailed = true;
      return endEarly(
          sdk::TaskResult::failed(who() + " answered in a way that cannot be used: " + e.what()));
    }
  }
  if (!events_.finished())
    return endEarly(sdk::TaskResult::failed(who() + " ended its stream before the task finished (" +
                                            std::string(stateName(events_.state())) + ")"));
  return finish();
}

sdk::TaskResult RemoteTask::poll(const llm::Budget& budget, bool& transportFailed) {
  std::string id = nextId();
  std::string body = request(id, "SendMessage", messageParams(true));
  bool first = true;
  while (true) {
    llm::PostOutcome out = call_.http.post(card_.endpoint, body, call_.headers,
                                           TaskEvents::kMaxResponseBytes, budget, cancelled_);
    if (!out.answer) {
      transportFailed = !cancelled_() && out.failure.status != RIVET_TASK_TIMEOUT;
      return endEarly(out.failure);
    }
    if (out.answer->status < 200 || out.answer->status >= 300) {
      transportFailed = true;
      return endEarly(httpError(*out.answer));
    }
    try {
      if (first)
        events_.response(out.answer->body, id);
      else
        events_.taskResponse(out.answer->body, id);
    } catch (const llm::StreamError& e) {
      transportFailed = true;
      return endEarly(
          sdk::TaskResult::failed(who() + " answered in a way that cannot be used: " + e.what()));
    }
    if (events_.finished())
      return finish();
    if (events_.remoteTaskId().empty())
      return sdk::TaskResult::failed(who() + " answered SendMessage with no task to follow");
    // Wait poll_interval_ms, seeing cancellation and the deadline within 50 ms.
    const auto until = std::chrono::steady_clock::now() + call_.pollInterval;
    while (std::chrono::steady_clock::now() < until && !cancelled_() && !budget.passed())
      std::this_thread::sleep_for(std::min<milliseconds>(milliseconds(50), call_.pollInterval));
    if (cancelled_())
      return endEarly(RemoteHttp::cancelledResult(card_.endpoint));
    if (budget.passed())
      return endEarly(sdk::TaskResult::timeout("the task at " + card_.endpoint.toString() +
                                               " had not finished after " + budget.describe()));
    first = false;
    id = nextId();
    body = request(id, "GetTask",
                   R"({"id":)" + json::quoted(events_.remoteTaskId()) + R"(,"historyLength":0})");
  }
}

sdk::TaskResult RemoteTask::finish() {
  sdk::TaskResult r = events_.outcome(who());
  if (events_.state() == TaskState::InputRequired || events_.state() == TaskState::AuthRequired) {
    std::string note = cancelRemote();
    host_.debug("agent " + host_.instanceName() + ": " + note);
  }
  return r;
}

sdk::TaskResult RemoteTask::endEarly(sdk::TaskResult why) {
  if (events_.remoteTaskId().empty() || events_.finished())
    return why;
  why.text += "; " + cancelRemote();
  return why;
}

std::string RemoteTask::cancelRemote() {
  const std::string& remote = events_.remoteTaskId();
  const std::string id = nextId();
  llm::Budget budget(kCancelBudget, "CancelTask");
  llm::PostOutcome out = call_.http.post(
      card_.endpoint, request(id, "CancelTask", R"({"id":)" + json::quoted(remote) + "}"),
      call_.headers, TaskEvents::kMaxResponseBytes, budget, [] { return false; });
  if (!out.answer)
    return "CancelTask for remote task " + remote + " failed: " + out.failure.text;
  if (out.answer->status < 200 || out.answer->status >= 300)
    return "CancelTask for remote task " + remote + " was answered HTTP " +
           std::to_string(out.answer->status);
  TaskEvents check([](const char*, const std::string&) {});
  try {
    check.taskResponse(out.answer->body, id);
  } catch (const llm::StreamError& e) {
    return "CancelTask for remote task " + remote + " was refused: " + e.what();
  }
  return "sent CancelTask for remote task " + remote + " (now " + stateName(check.state()) + ")";
}

} // namespace rivet::a2a
