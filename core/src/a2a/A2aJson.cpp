// A2A's JSON texts, written by hand with the one quoting helper (util/JsonText).
#include "a2a/A2aJson.hpp"

#include "util/JsonText.hpp"

#include "rivet/sdk/json.hpp"

#include <ctime>

namespace rivet::a2a {
using util::appendJsonString;

std::string taskState(std::string_view state) {
  std::string out = "TASK_STATE_";
  for (char c : state)
    out += c == '-' ? '_' : (c >= 'a' && c <= 'z' ? char(c - 32) : c);
  return out;
}

std::string isoTime(int64_t ms) {
  std::time_t seconds = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buf[40];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  char out[48];
  std::snprintf(out, sizeof out, "%s.%03dZ", buf, static_cast<int>(ms % 1000));
  return out;
}

std::string contextOf(const tasks::TaskRecord& task) {
  // The A2A service writes requestJson as {"a2a":{"contextId":"...",...: read that string
  // alone, not the whole (up to 10 MiB) request.
  const std::string_view r = task.requestJson;
  if (r.size() <= kRequestPrefix.size() || r.substr(0, kRequestPrefix.size()) != kRequestPrefix ||
      r[kRequestPrefix.size()] != '"')
    return "";
  size_t end = kRequestPrefix.size() + 1;
  while (end < r.size() && r[end] != '"')
    end += r[end] == '\\' ? 2 : 1;
  if (end >= r.size())
    return "";
  auto id = sdk::json::tryParse(r.substr(kRequestPrefix.size(), end + 1 - kRequestPrefix.size()));
  return id && id->isString() ? id->asString() : "";
}

std::string messageOf(const tasks::TaskRecord& task) {
  auto doc = sdk::json::tryParse(task.requestJson);
  const sdk::json::Value* a2a = doc && doc->isObject() ? doc->find("a2a") : nullptr;
  if (!a2a || !a2a->isObject())
    return "";
  if (const sdk::json::Value* m = a2a->find("message"); m && m->isObject()) {
    std::vector<std::pair<std::string, sdk::json::Value>> members = m->members();
    sdk::json::Value part = sdk::json::Value::object();
    part.set("text", sdk::json::Value::string(doc->getString("message").value_or("")));
    sdk::json::Value parts = sdk::json::Value::array();
    parts.push(std::move(part));
    members.emplace_back("parts", std::move(parts)); // the text as the agent got it
    sdk::json::Value message;
    message.setMembers(std::move(members));
    return message.dump();
  }
  return "";
}

std::string resultText(std::string_view resultJson) {
  auto doc = sdk::json::tryParse(resultJson);
  return doc && doc->isObject() ? doc->getString("response").value_or("") : "";
}

std::string taskJson(const tasks::TaskRecord& t, int64_t historyLength, bool artifacts) {
  const std::string context = contextOf(t);
  const std::string contextId = context.empty() ? t.id : context;
  const bool answered = !t.resultJson.empty() && (t.state != "completed" || artifacts);
  const std::string text = answered ? resultText(t.resultJson) : ""; // read only when shown
  std::string out = "{\"id\":";
  appendJsonString(out, t.id);
  util::appendJsonField(out, "contextId", contextId);
  out += ",\"status\":{\"state\":";
  appendJsonString(out, taskState(t.state));
  if (!t.resultJson.empty() && t.state != "completed")
    out += ",\"message\":" + agentMessageJson(t.id + "-status", t.id, contextId, text, "");
  util::appendJsonField(out, "timestamp", isoTime(t.updatedMs));
  out += '}';
  if (t.state == "completed" && artifacts)
    out += ",\"artifacts\":[{\"artifactId\":\"answer\",\"name\":\"answer\",\"parts\":[{\"text\":" +
           util::jsonString(text) + "}]}]";
  if (historyLength != 0)
    if (std::string message = messageOf(t); !message.empty())
      out += ",\"history\":[" + message + "]";
  out += ",\"metadata\":{\"rivet\":{\"agent\":";
  appendJsonString(out, t.agent);
  util::appendJsonField(out, "node", t.node);
  if (!t.traceId.empty())
    util::appendJsonField(out, "traceId", t.traceId);
  return out + "}}}";
}

std::string statusUpdateJson(std::string_view taskId, std::string_view contextId,
                             std::string_view state, std::string_view messageJson, int64_t atMs) {
  std::string out = "{\"statusUpdate\":{\"taskId\":";
  appendJsonString(out, taskId);
  util::appendJsonField(out, "contextId", contextId);
  out += ",\"status\":{\"state\":";
  appendJsonString(out, taskState(state));
  if (!messageJson.empty()) {
    out += ",\"message\":";
    out += messageJson;
  }
  util::appendJsonField(out, "timestamp", isoTime(atMs));
  return out + "}}}";
}

std::string artifactUpdateJson(std::string_view taskId, std::string_view contextId,
                               std::string_view answer) {
  std::string out = "{\"artifactUpdate\":{\"taskId\":";
  appendJsonString(out, taskId);
  util::appendJsonField(out, "contextId", contextId);
  out += ",\"artifact\":{\"artifactId\":\"answer\",\"name\":\"answer\",\"parts\":[{\"text\":";
  appendJsonString(out, answer);
  return out + "}]},\"lastChunk\":true}}";
}

std::string agentMessageJson(std::string_view messageId, std::string_view taskId,
                             std::string_view contextId, std::string_view text,
                             std::string_view metadataJson) {
  std::string out = "{\"messageId\":";
  appendJsonString(out, messageId);
  util::appendJsonField(out, "contextId", contextId);
  util::appendJsonField(out, "taskId", taskId);
  out += ",\"role\":\"ROLE_AGENT\",\"parts\":[{\"text\":";
  appendJsonString(out, text);
  out += "}]";
  if (!metadataJson.empty()) {
    out += ",\"metadata\":";
    out += metadataJson;
  }
  return out + '}';
}

std::string rpcResult(std::string_view idJson, std::string_view resultJson) {
  std::string out = "{\"jsonrpc\":\"2.0\",\"id\":";
  out += idJson;
  out += ",\"result\":";
  out += resultJson;
  return out + '}';
}

std::string rpcError(std::string_view idJson, int code, std::string_view message,
                     std::string_view reason) {
  std::string out = "{\"jsonrpc\":\"2.0\",\"id\":";
  out += idJson;
  out += ",\"error\":{\"code\":" + std::to_string(code);
  util::appendJsonField(out, "message", message);
  out += ",\"data\":[{\"@type\":\"type.googleapis.com/google.rpc.ErrorInfo\",\"reason\":";
  appendJsonString(out, reason);
  return out + ",\"domain\":\"a2a-protocol.org\"}]}}";
}

std::string sseData(std::string_view json) {
  std::string out = "data: ";
  out += json; // one line: our JSON texts never hold a raw newline
  return out + "\n\n";
}

} // namespace rivet::a2a
