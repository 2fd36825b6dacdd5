// Encodes Messages API requests and decodes its answers and errors: text and tool_use content
// blocks, stop reasons, and the error types Anthropic documents, each with what to do next.
#include "MessagesConversation.hpp"

#include "MessagesStream.hpp"
#include "ProviderText.hpp"

namespace rivet::anthropic {
namespace {

namespace json = sdk::json;
using llm::excerpt;
using llm::ModelTurn;

json::Value str(const std::string& s) {
  return json::Value::string(s);
}

} // namespace

MessagesConversation::MessagesConversation(const AnthropicSettings& settings, std::string model,
                                           const std::string& userContent)
    : settings_(settings), model_(std::move(model)) {
  json::Value user = json::Value::object();
  user.set("role", str("user"));
  user.set("content", str(userContent));
  messages_.push(std::move(user));
}

std::string MessagesConversation::requestBody(const llm::ToolOffer& tool, bool offered) {
  json::Value body = json::Value::object();
  body.set("model", str(model_));
  body.set("max_tokens", json::Value::number(static_cast<double>(settings_.maxTokens)));
  if (!settings_.systemPrompt.empty())
    body.set("system", str(settings_.systemPrompt));
  body.set("messages", messages_);
  if (settings_.temperature)
    body.set("temperature", json::Value::number(*settings_.temperature));
  if (settings_.toolLoop.stream)
    body.set("stream", json::Value::boolean(true));
  if (offered || toolUsed_) {
    json::Value entry = json::Value::object();
    entry.set("name", str(tool.name));
    entry.set("description", str(tool.description));
    entry.set("input_schema", json::parse(tool.parametersSchema));
    json::Value tools = json::Value::array();
    tools.push(std::move(entry));
    body.set("tools", std::move(tools));
  }
  return body.dump();
}

std::unique_ptr<llm::StreamDecoder>
MessagesConversation::streamDecoder(llm::StreamDecoder::OnText onText) {
  if (!settings_.toolLoop.stream)
    return nullptr;
  return std::make_unique<MessagesStream>(std::move(onText));
}

ModelTurn MessagesConversation::readAnswer(const std::string& body) {
  auto root = json::tryParse(body);
  if (!root || !root->isObject())
    return ModelTurn::problem("with a body that is not a JSON object: " + excerpt(body));
  const json::Value* error = root->find("error");
  if (root->getString("type") == "error" || (error && !error->isNull()))
    return ModelTurn::problem("with an error: " + llm::providerErrorText(body, "no message"));
  const json::Value* content = root->find("content");
  if (!content || !content->isArray())
    return ModelTurn::problem("without a content list: " + excerpt(body));
  const std::string stop = root->getString("stop_reason").value_or("");
  if (stop == "tool_use")
    return readToolUse(*content);
  std::string text;
  bool hasText = false;
  for (const auto& block : content->items())
    if (block.isObject() && block.getString("type") == "text") {
      hasText = true;
      text += block.getString("text").value_or("");
    }
  if (stop == "refusal")
    return ModelTurn::problem("with stop_reason refusal: the model declined the task" +
                              (text.empty() ? std::string() : ": " + excerpt(text)));
  if (!hasText)
    return ModelTurn::problem("without a text block" +
                              (stop.empty() ? std::string() : " (stop_reason: " + stop + ")"));
  return ModelTurn::answer(std::move(text));
}

ModelTurn MessagesConversation::readToolUse(const json::Value& content) {
  std::vector<llm::ToolCall> turn;
  json::Value blocks = json::Value::array();
  for (const auto& block : content.items()) {
    if (!block.isObject() || block.getString("type") != "tool_use") {
      blocks.push(block);
      continue;
    }
    llm::ToolCall c;
    json::Value kept = block;
    c.id = block.getString("id").value_or("");
    if (c.id.empty()) { // the result must name the block: give it an id the model sees too
      c.id = "toolu_rivet_" + std::to_string(++idsMade_);
      kept.set("id", str(c.id));
    }
    c.name = block.getString("name").value_or("");
    const json::Value* input = block.find("input");
    c.arguments = input ? input->dump() : "null";
    blocks.push(std::move(kept));
    turn.push_back(std::move(c));
  }
  if (turn.empty())
    return ModelTurn::problem("with stop_reason tool_use but no tool_use block: " +
                              excerpt(content.dump()));
  json::Value assistant = json::Value::object();
  assistant.set("role", str("assistant"));
  assistant.set("content", std::move(blocks));
  messages_.push(std::move(assistant));
  toolUsed_ = true;
  return ModelTurn::toolCalls(std::move(turn));
}

void MessagesConversation::addToolResults(const std::vector<llm::ToolCall>& calls,
                                          const std::vector<sdk::ToolResult>& results) {
  json::Value blocks = json::Value::array();
  for (size_t i = 0; i < calls.size() && i < results.size(); ++i) {
    json::Value block = json::Value::object();
    block.set("type", str("tool_result"));
    block.set("tool_use_id", str(calls[i].id));
    block.set("content", str(results[i].text));
    if (results[i].status != RIVET_TASK_COMPLETED)
      block.set("is_error", json::Value::boolean(true));
    blocks.push(std::move(block));
  }
  json::Value user = json::Value::object();
  user.set("role", str("user"));
  user.set("content", std::move(blocks));
  messages_.push(std::move(user));
}

std::string MessagesConversation::httpError(const llm::HttpAnswer& answer) const {
  const std::string type = llm::providerErrorType(answer.body);
  std::string text = (type.empty() ? std::string() : " (" + type + ")") + ": " +
                     llm::providerErrorText(answer.body, answer.reason + " (empty body)");
  switch (answer.status) {
  case 400:
    return text + "; check model, max_tokens and the other settings of this agent";
  case 401:
    return text + "; check the API key in the environment variable " + settings_.apiKeyEnv +
           " (api_key_env), then restart rivetd";
  case 403:
    return text + "; the key in " + settings_.apiKeyEnv + " may not use this model or feature";
  case 404:
    return text + "; check model and base_url";
  case 413:
    return text + "; the conversation is too large: lower max_tool_result_bytes";
  case 429: {
    std::string after = answer.header("retry-after");
    return text + "; the rate limit of the key in " + settings_.apiKeyEnv + " was reached: " +
           (after.empty() ? "send the task again later"
                          : "send the task again after " + after + " s (retry-after)");
  }
  case 529:
    return text + "; Anthropic's API is overloaded: send the task again in a while";
  default:
    return text;
  }
}

} // namespace rivet::anthropic
