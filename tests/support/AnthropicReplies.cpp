// The Messages API bodies, built with the SDK's JSON values in the member order Anthropic uses.
#include "AnthropicReplies.hpp"

namespace rivet::test::anthropic_reply {
namespace {

namespace json = sdk::json;

json::Value str(const std::string& s) {
  return json::Value::string(s);
}

std::string message(const std::string& model, json::Value content, const std::string& stop) {
  json::Value usage = json::Value::object();
  usage.set("input_tokens", json::Value::number(9));
  usage.set("output_tokens", json::Value::number(12));
  json::Value root = json::Value::object();
  root.set("id", str("msg_test"));
  root.set("type", str("message"));
  root.set("role", str("assistant"));
  root.set("model", str(model));
  root.set("content", std::move(content));
  root.set("stop_reason", str(stop));
  root.set("stop_sequence", json::Value());
  root.set("usage", std::move(usage));
  return root.dump();
}

json::Value textBlock(const std::string& text) {
  json::Value block = json::Value::object();
  block.set("type", str("text"));
  block.set("text", str(text));
  return block;
}

// The text of a user message: its string content, or its text blocks joined.
std::string userText(const json::Value& m) {
  const json::Value* content = m.isObject() ? m.find("content") : nullptr;
  if (!content)
    return "";
  if (content->isString())
    return content->asString();
  std::string text;
  if (content->isArray())
    for (const auto& block : content->items())
      if (block.isObject() && block.getString("type") == "text")
        text += block.getString("text").value_or("");
  return text;
}

} // namespace

std::string text(const std::string& model, const std::string& text, const std::string& stopReason) {
  json::Value content = json::Value::array();
  content.push(textBlock(text));
  return message(model, std::move(content), stopReason);
}

std::string toolUse(const std::vector<ToolUse>& calls, const std::string& text) {
  json::Value content = json::Value::array();
  if (!text.empty())
    content.push(textBlock(text));
  for (const auto& c : calls) {
    json::Value block = json::Value::object();
    block.set("type", str("tool_use"));
    if (!c.id.empty())
      block.set("id", str(c.id));
    block.set("name", str(c.name));
    block.set("input", json::parse(c.inputJson));
    content.push(std::move(block));
  }
  return message("test-model", std::move(content), "tool_use");
}

std::string error(const std::string& type, const std::string& message) {
  json::Value e = json::Value::object();
  e.set("type", str(type));
  e.set("message", str(message));
  json::Value root = json::Value::object();
  root.set("type", str("error"));
  root.set("error", std::move(e));
  return root.dump();
}

std::string event(const std::string& type, const std::string& json) {
  return "event: " + type + "\ndata: " + json + "\n\n";
}

std::string messageStart() {
  return event("message_start",
               R"({"type":"message_start","message":{"id":"msg_test","type":"message",)"
               R"("role":"assistant","model":"test-model","content":[],"stop_reason":null,)"
               R"("stop_sequence":null,"usage":{"input_tokens":9,"output_tokens":1}}})");
}

std::string messageEnd(const std::string& stopReason) {
  return event("message_delta", R"({"type":"message_delta","delta":{"stop_reason":)" +
                                    json::quoted(stopReason) +
                                    R"(,"stop_sequence":null},"usage":{"output_tokens":12}})") +
         event("message_stop", R"({"type":"message_stop"})");
}

namespace {

std::string blockStart(size_t index, const std::string& blockJson) {
  return event("content_block_start", R"({"type":"content_block_start","index":)" +
                                          std::to_string(index) + R"(,"content_block":)" +
                                          blockJson + "}");
}

std::string blockDelta(size_t index, const std::string& deltaJson) {
  return event("content_block_delta", R"({"type":"content_block_delta","index":)" +
                                          std::to_string(index) + R"(,"delta":)" + deltaJson + "}");
}

std::string blockStop(size_t index) {
  return event("content_block_stop",
               R"({"type":"content_block_stop","index":)" + std::to_string(index) + "}");
}

std::string textBlockStream(size_t index, const std::vector<std::string>& pieces) {
  std::string sse = blockStart(index, R"({"type":"text","text":""})");
  for (size_t k = 0; k < pieces.size(); ++k) {
    sse += blockDelta(index, R"({"type":"text_delta","text":)" + json::quoted(pieces[k]) + "}");
    if (k == 0)
      sse += event("ping", R"({"type": "ping"})");
  }
  return sse + blockStop(index);
}

} // namespace

std::string textStream(const std::vector<std::string>& pieces, const std::string& stopReason) {
  return messageStart() + textBlockStream(0, pieces) + messageEnd(stopReason);
}

std::string toolUseStream(const std::vector<ToolUse>& calls, size_t piecesPerCall,
                          const std::string& text) {
  std::string sse = messageStart();
  size_t index = 0;
  if (!text.empty())
    sse += textBlockStream(index++, {text});
  for (const auto& c : calls) {
    std::string id = c.id.empty() ? "" : R"("id":)" + json::quoted(c.id) + ",";
    sse += blockStart(index, R"({"type":"tool_use",)" + id + R"("name":)" + json::quoted(c.name) +
                                 R"(,"input":{}})");
    for (const auto& piece : splitText(c.inputJson, piecesPerCall))
      sse += blockDelta(index, R"({"type":"input_json_delta","partial_json":)" +
                                   json::quoted(piece) + "}");
    sse += blockStop(index++);
  }
  return sse + messageEnd("tool_use");
}

ScriptedReply echo(const RecordedRequest& request) {
  if (request.header("x-api-key").empty())
    return {401, error("authentication_error", "x-api-key header is required")};
  if (request.header("anthropic-version").empty())
    return {400, error("invalid_request_error", "anthropic-version: header is required")};
  auto body = json::tryParse(request.body);
  if (!body || !body->isObject())
    return {400, error("invalid_request_error", "The request body is not valid JSON.")};
  auto model = body->getString("model");
  if (!model)
    return {400, error("invalid_request_error", "model: Field required")};
  if (!body->getInteger("max_tokens"))
    return {400, error("invalid_request_error", "max_tokens: Field required")};
  const json::Value* messages = body->find("messages");
  if (!messages || !messages->isArray() || messages->items().empty())
    return {400, error("invalid_request_error", "messages: at least one message is required")};
  std::string answer = "[" + *model + "] " + userText(messages->items().back());
  if (body->getBool("stream").value_or(false))
    return eventStream(textStream(splitText(answer, 3)));
  return {200, text(*model, answer)};
}

} // namespace rivet::test::anthropic_reply
