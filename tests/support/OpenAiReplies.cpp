// The chat-completions bodies, built with the SDK's JSON values so that member order is the
// one real servers use.
#include "OpenAiReplies.hpp"

#include <algorithm>

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

std::string data(const std::string& json) {
  return "data: " + json + "\n\n";
}

std::string chunk(const std::string& deltaJson, const std::string& finishReason) {
  return data(R"({"id":"chatcmpl-test","object":"chat.completion.chunk","created":1700000000,)"
              R"("model":"test-model","choices":[{"index":0,"delta":)" +
              deltaJson + R"(,"finish_reason":)" +
              (finishReason.empty() ? "null" : json::quoted(finishReason)) + "}]}");
}

std::string done() {
  return "data: [DONE]\n\n";
}

std::string textStream(const std::vector<std::string>& pieces) {
  std::string sse = chunk(R"({"role":"assistant","content":""})");
  for (const auto& piece : pieces)
    sse += chunk(R"({"content":)" + json::quoted(piece) + "}");
  return sse + chunk("{}", "stop") + done();
}

std::string toolCallsStream(const std::vector<Call>& calls, size_t piecesPerCall,
                            bool interleaved) {
  auto fragment = [](size_t index, const std::string& members) {
    return chunk(R"({"tool_calls":[{"index":)" + std::to_string(index) + "," + members + "}]}");
  };
  std::string sse = chunk(R"({"role":"assistant","content":null})");
  std::vector<std::vector<std::string>> pieces;
  for (const auto& c : calls)
    pieces.push_back(splitText(c.arguments, piecesPerCall));
  auto argumentsAt = [&](size_t i, size_t k) {
    return fragment(i, R"("function":{"arguments":)" + json::quoted(pieces[i][k]) + "}");
  };
  for (size_t i = 0; i < calls.size(); ++i) {
    std::string id = calls[i].id.empty() ? "" : R"("id":)" + json::quoted(calls[i].id) + ",";
    sse += fragment(i, id + R"("type":"function","function":{"name":)" +
                           json::quoted(calls[i].name) + R"(,"arguments":""})");
    if (!interleaved)
      for (size_t k = 0; k < pieces[i].size(); ++k)
        sse += argumentsAt(i, k);
  }
  size_t most = 0;
  for (const auto& p : pieces)
    most = std::max(most, p.size());
  for (size_t k = 0; interleaved && k < most; ++k)
    for (size_t i = 0; i < calls.size(); ++i)
      if (k < pieces[i].size())
        sse += argumentsAt(i, k);
  return sse + chunk("{}", "tool_calls") + done();
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
  if (body->getBool("stream").value_or(false))
    return eventStream(textStream(splitText("[" + *model + "] " + content, 3)));
  return {200, text(*model, "[" + *model + "] " + content)};
}

} // namespace rivet::test::openai_reply
