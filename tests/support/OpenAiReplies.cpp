// The chat-completions bodies, built with the SDK's JSON values so that member order is the
// one real servers use.
#include "OpenAiReplies.hpp"

namespace rivet::test::openai_reply {
namespace {

namespace json = sdk::json;

std::string completion(const std::string& model, json::Value message,
                       const std::string& finishReason) {
  json::Value choice = json::Value::object();
  choice.set("index", json::Value::number(0));
  choice.set("message", std::move(message));
  choice.set("finish_reason", json::Value::string(finishReason));
  json::Value choices = json::Value::array();
  choices.push(std::move(choice));
  json::Value usage = json::Value::object();
  usage.set("prompt_tokens", json::Value::number(9));
  usage.set("completion_tokens", json::Value::number(12));
  usage.set("total_tokens", json::Value::number(21));
  json::Value root = json::Value::object();
  root.set("id", json::Value::string("chatcmpl-test"));
  root.set("object", json::Value::string("chat.completion"));
  root.set("created", json::Value::number(1700000000));
  root.set("model", json::Value::string(model));
  root.set("choices", std::move(choices));
  root.set("usage", std::move(usage));
  return root.dump();
}

} // namespace

std::string text(const std::string& model, const std::string& content) {
  json::Value message = json::Value::object();
  message.set("role", json::Value::string("assistant"));
  message.set("content", json::Value::string(content));
  return completion(model, std::move(message), "stop");
}

std::string toolCalls(const std::vector<Call>& calls) {
  json::Value list = json::Value::array();
  for (const auto& c : calls) {
    json::Value function = json::Value::object();
    function.set("name", json::Value::string(c.name));
    function.set("arguments", json::Value::string(c.arguments));
    json::Value call = json::Value::object();
    if (!c.id.empty())
      call.set("id", json::Value::string(c.id));
    call.set("type", json::Value::string("function"));
    call.set("function", std::move(function));
    list.push(std::move(call));
  }
  json::Value message = json::Value::object();
  message.set("role", json::Value::string("assistant"));
  message.set("content", json::Value());
  message.set("tool_calls", std::move(list));
  return completion("test-model", std::move(message), "tool_calls");
}

std::string error(const std::string& message, const std::string& type) {
  json::Value e = json::Value::object();
  e.set("message", json::Value::string(message));
  e.set("type", json::Value::string(type));
  e.set("param", json::Value());
  e.set("code", json::Value());
  json::Value root = json::Value::object();
  root.set("error", std::move(e));
  return root.dump();
}

ScriptedReply echo(const RecordedRequest& request) {
  auto body = json::tryParse(request.body);
  if (!body || !body->isObject())
    return {400,
            error("We could not parse the JSON body of your request.", "invalid_request_error")};
  auto model = body->getString("model");
  if (!model)
    return {400, error("you must provide a model parameter", "invalid_request_error")};
  const json::Value* messages = body->find("messages");
  if (!messages || !messages->isArray() || messages->items().empty())
    return {400, error("'messages' must contain at least one message", "invalid_request_error")};
  const json::Value& last = messages->items().back();
  std::string content = last.isObject() ? last.getString("content").value_or("") : "";
  return {200, text(*model, "[" + *model + "] " + content)};
}

} // namespace rivet::test::openai_reply
