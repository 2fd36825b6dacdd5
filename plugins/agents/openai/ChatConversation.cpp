// Encodes chat-completions requests and decodes answers in the shapes that OpenAI, xAI, Ollama,
// llama.cpp's server and vLLM use, including tool_calls with string or object arguments.
#include "ChatConversation.hpp"

#include "ChatStream.hpp"
#include "ProviderText.hpp"

namespace rivet::openai {
namespace {

namespace json = sdk::json;
using llm::excerpt;
using llm::ModelTurn;

json::Value message(const std::string& role, const std::string& content) {
  json::Value m = json::Value::object();
  m.set("role", json::Value::string(role));
  m.set("content", json::Value::string(content));
  return m;
}

// The text parts of a content array (`[{"type":"text","text":".."}]`), joined.
std::string joinTextParts(const json::Value& parts) {
  std::string text;
  for (const auto& part : parts.items())
    if (part.isObject() && part.getString("type") == "text")
      text += part.getString("text").value_or("");
  return text;
}

} // namespace

ChatConversation::ChatConversation(const OpenAiSettings& settings, std::string model,
                                   const std::string& userContent)
    : settings_(settings), model_(std::move(model)) {
  if (!settings_.systemPrompt.empty())
    messages_.push(message("system", settings_.systemPrompt));
  messages_.push(message("user", userContent));
}

std::string ChatConversation::requestBody(const llm::ToolOffer& tool, bool offered) {
  json::Value body = json::Value::object();
  body.set("model", json::Value::string(model_));
  body.set("messages", messages_);
  if (settings_.temperature)
    body.set("temperature", json::Value::number(*settings_.temperature));
  if (settings_.maxTokens)
    body.set("max_tokens", json::Value::number(static_cast<double>(*settings_.maxTokens)));
  body.set("stream", json::Value::boolean(settings_.toolLoop.stream));
  if (offered) {
    json::Value function = json::Value::object();
    function.set("name", json::Value::string(tool.name));
    function.set("description", json::Value::string(tool.description));
    function.set("parameters", json::parse(tool.parametersSchema));
    json::Value entry = json::Value::object();
    entry.set("type", json::Value::string("function"));
    entry.set("function", std::move(function));
    json::Value tools = json::Value::array();
    tools.push(std::move(entry));
    body.set("tools", std::move(tools));
  }
  return body.dump();
}

std::unique_ptr<llm::StreamDecoder>
ChatConversation::streamDecoder(llm::StreamDecoder::OnText onText) {
  if (!settings_.toolLoop.stream)
    return nullptr;
  return std::make_unique<ChatStream>(std::move(onText));
}

ModelTurn ChatConversation::readAnswer(const std::string& body) {
  auto root = json::tryParse(body);
  if (!root || !root->isObject())
    return ModelTurn::problem("with a body that is not a JSON object: " + excerpt(body));
  if (const json::Value* error = root->find("error"); error && !error->isNull())
    return ModelTurn::problem("with an error: " + llm::providerErrorText(body, "no message"));
  const json::Value* choices = root->find("choices");
  if (!choices || !choices->isArray() || choices->items().empty())
    return ModelTurn::problem("without choices: " + excerpt(body));
  const json::Value& choice = choices->items()[0];
  const json::Value* message = choice.isObject() ? choice.find("message") : nullptr;
  if (!message || !message->isObject())
    return ModelTurn::problem("without choices[0].message: " + excerpt(body));
  if (const json::Value* calls = message->find("tool_calls"); calls && !calls->isNull()) {
    if (!calls->isArray())
      return ModelTurn::problem("with choices[0].message.tool_calls that is not a list: " +
                                excerpt(calls->dump()));
    if (!calls->items().empty())
      return readToolCalls(*message, *calls);
  }
  if (const json::Value* content = message->find("content"); content && !content->isNull()) {
    if (content->isString())
      return ModelTurn::answer(content->asString());
    if (content->isArray())
      return ModelTurn::answer(joinTextParts(*content));
  }
  if (auto refusal = message->getString("refusal"); refusal && !refusal->empty())
    return ModelTurn::problem("with a refusal: " + *refusal);
  std::string reason = choice.getString("finish_reason").value_or("");
  return ModelTurn::problem("without message content" +
                            (reason.empty() ? std::string() : " (finish_reason: " + reason + ")"));
}

ModelTurn ChatConversation::readToolCalls(const json::Value& message, const json::Value& calls) {
  std::vector<llm::ToolCall> turn;
  json::Value echoed = message;
  json::Value echoedCalls = json::Value::array();
  for (size_t i = 0; i < calls.items().size(); ++i) {
    const json::Value& call = calls.items()[i];
    if (!call.isObject())
      return ModelTurn::problem("with tool_calls[" + std::to_string(i) +
                                "] that is not an object: " + excerpt(call.dump()));
    llm::ToolCall c;
    json::Value kept = call;
    c.id = call.getString("id").value_or("");
    if (c.id.empty()) { // the result must name the call: give it an id the model sees too
      c.id = "call_rivet_" + std::to_string(++idsMade_);
      kept.set("id", json::Value::string(c.id));
    }
    if (const json::Value* function = call.find("function"); function && function->isObject()) {
      c.name = function->getString("name").value_or("");
      if (const json::Value* args = function->find("arguments"))
        c.arguments = args->isString() ? args->asString() : args->dump();
    }
    echoedCalls.push(std::move(kept));
    turn.push_back(std::move(c));
  }
  echoed.set("role", json::Value::string("assistant"));
  echoed.set("tool_calls", std::move(echoedCalls));
  messages_.push(std::move(echoed));
  return ModelTurn::toolCalls(std::move(turn));
}

void ChatConversation::addToolResults(const std::vector<llm::ToolCall>& calls,
                                      const std::vector<sdk::ToolResult>& results) {
  for (size_t i = 0; i < calls.size() && i < results.size(); ++i) {
    json::Value m = json::Value::object();
    m.set("role", json::Value::string("tool"));
    m.set("tool_call_id", json::Value::string(calls[i].id));
    m.set("content", json::Value::string(results[i].text));
    messages_.push(std::move(m));
  }
}

std::string ChatConversation::httpError(const llm::HttpAnswer& answer) const {
  return ": " + llm::providerErrorText(answer.body, answer.reason + " (empty body)");
}

} // namespace rivet::openai
