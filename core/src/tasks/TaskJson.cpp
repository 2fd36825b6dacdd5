// The task API's JSON texts, written by hand with the one quoting helper.
#include "tasks/TaskJson.hpp"

#include "util/JsonText.hpp"

namespace rivet::tasks {
namespace {

using util::appendJsonString;

void number(std::string& out, const char* name, int64_t value) {
  out += ",\"";
  out += name;
  out += "\":";
  out += std::to_string(value);
}

} // namespace

std::string taskJson(const TaskRecord& t, const std::vector<std::string>* childFields) {
  std::string out = "{\"id\":";
  appendJsonString(out, t.id);
  util::appendJsonField(out, "state", t.state);
  util::appendJsonField(out, "agent", t.agent);
  util::appendJsonField(out, "node", t.node);
  util::appendJsonField(out, "caller", t.caller);
  if (!t.idempotencyKey.empty())
    util::appendJsonField(out, "idempotencyKey", t.idempotencyKey);
  if (!t.traceId.empty())
    util::appendJsonField(out, "traceId", t.traceId);
  out += ",\"cancelOnDisconnect\":";
  out += t.cancelOnDisconnect ? "true" : "false";
  number(out, "createdMs", t.createdMs);
  number(out, "updatedMs", t.updatedMs);
  if (t.endedMs)
    number(out, "endedMs", t.endedMs);
  if (!t.canceledBy.empty())
    util::appendJsonField(out, "canceledBy", t.canceledBy);
  out += ",\"result\":";
  out += t.resultJson.empty() ? "null" : t.resultJson;
  out += ",\"children\":[";
  for (size_t i = 0; i < t.children.size(); ++i) {
    out += i ? ",{\"node\":" : "{\"node\":";
    appendJsonString(out, t.children[i].node);
    util::appendJsonField(out, "taskId", t.children[i].taskId);
    util::appendJsonField(out, "agent", t.children[i].agent);
    if (childFields && i < childFields->size())
      out += (*childFields)[i];
    out += '}';
  }
  return out + "]}";
}

std::string taskListJson(const std::vector<TaskRecord>& tasks) {
  std::string out = "{\"tasks\":[";
  for (size_t i = 0; i < tasks.size(); ++i) {
    if (i)
      out += ',';
    out += taskJson(tasks[i]);
  }
  return out + "]}";
}

std::string resultJson(std::string_view status, std::string_view response, std::string_view agent,
                       int64_t durationMs) {
  std::string out = "{\"status\":";
  appendJsonString(out, status);
  util::appendJsonField(out, "response", response);
  util::appendJsonField(out, "agent", agent);
  number(out, "durationMs", durationMs);
  return out + "}";
}

std::string stateEventJson(std::string_view state, std::string_view result) {
  std::string out = "{\"state\":";
  appendJsonString(out, state);
  if (result.size() > kMaxEventResult) // an event is at most 64 KiB in the journal
    return out + ",\"resultOmitted\":true}";
  if (!result.empty()) {
    out += ",\"result\":";
    out += result;
  }
  return out + "}";
}

std::string progressJson(std::string_view kind, std::string_view text, std::string_view agent,
                         std::string_view node) {
  std::string out = "{\"kind\":";
  appendJsonString(out, kind);
  util::appendJsonField(out, "text", text);
  util::appendJsonField(out, "agent", agent);
  util::appendJsonField(out, "node", node);
  return out + "}";
}

std::string delegationJson(std::string_view phase, std::string_view node, std::string_view taskId,
                           std::string_view agent, std::string_view from, std::string_view state,
                           std::string_view resultJson) {
  std::string out = "{\"phase\":";
  appendJsonString(out, phase);
  util::appendJsonField(out, "node", node);
  util::appendJsonField(out, "taskId", taskId);
  util::appendJsonField(out, "agent", agent);
  util::appendJsonField(out, "from", from);
  if (!state.empty()) {
    util::appendJsonField(out, "state", state);
    out += ",\"result\":";
    out += resultJson.empty() ? "null" : resultJson;
  }
  return out + "}";
}

std::string taskJsonWithEvents(const TaskRecord& task, const std::vector<TaskEvent>& events) {
  std::string out = taskJson(task);
  out.pop_back(); // its closing brace
  out += ",\"events\":[";
  for (size_t i = 0; i < events.size(); ++i) {
    out += i ? ",{\"id\":" : "{\"id\":";
    out += std::to_string(events[i].seq);
    util::appendJsonField(out, "type", events[i].type);
    out += ",\"data\":";
    out += events[i].dataJson;
    number(out, "atMs", events[i].atMs);
    out += '}';
  }
  return out + "]}";
}

std::string sseFrame(int64_t seq, std::string_view type, std::string_view dataJson) {
  std::string out;
  out.reserve(32 + type.size() + dataJson.size());
  if (seq > 0) {
    out += "id: ";
    out += std::to_string(seq);
    out += '\n';
  }
  out += "event: ";
  out += type;
  out += "\ndata: ";
  out += dataJson; // JSON text has no raw line breaks: one data line
  out += "\n\n";
  return out;
}

} // namespace rivet::tasks
