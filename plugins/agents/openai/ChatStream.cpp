// Reads the chunks OpenAI, xAI, Ollama, llama.cpp's server and vLLM stream: choices[0].delta
// content, refusal and tool_calls fragments (id and name first, arguments in pieces), the
// finish_reason, an error chunk, and the closing data: [DONE].
#include "ChatStream.hpp"

#include "ProviderText.hpp"

namespace rivet::openai {
namespace {

namespace json = sdk::json;
using llm::excerpt;
using llm::StreamError;

} // namespace

void ChatStream::event(const std::string& name, const std::string& data) {
  ++events_;
  if (done_)
    return; // nothing counts after [DONE]
  if (name == "error")
    throw StreamError("the stream sent an error event: " +
                      llm::providerErrorText(data, "(no message)"));
  if (data == "[DONE]") {
    done_ = true;
    return;
  }
  json::Value chunk = objectOf(data);
  if (const json::Value* error = chunk.find("error"); error && !error->isNull())
    throw StreamError("the stream sent an error: " + llm::providerErrorText(data, "(no message)"));
  const json::Value* choices = chunk.find("choices");
  if (!choices || choices->isNull())
    return; // e.g. the usage chunk at the end
  if (!choices->isArray())
    throw StreamError("a chunk's choices is not a list: " + excerpt(data));
  for (const auto& c : choices->items()) {
    if (!c.isObject())
      throw StreamError("a chunk's choice is not an object: " + excerpt(data));
    if (c.getInteger("index").value_or(0) == 0) // only one choice is asked for
      choice(c);
  }
}

void ChatStream::choice(const json::Value& choice) {
  sawChoice_ = true;
  if (auto reason = choice.getString("finish_reason"))
    finishReason_ = *reason;
  const json::Value* delta = choice.find("delta");
  if (!delta || delta->isNull())
    return;
  if (!delta->isObject())
    throw StreamError("choices[0].delta is not an object: " + excerpt(delta->dump()));
  if (const json::Value* content = delta->find("content"); content && !content->isNull()) {
    std::string piece = deltaText(*delta, "content");
    grow(piece.size());
    hasContent_ = true;
    text_ += piece;
    if (onText_)
      onText_(piece);
  }
  std::string refusal = deltaText(*delta, "refusal");
  grow(refusal.size());
  refusal_ += refusal;
  if (const json::Value* calls = delta->find("tool_calls"); calls && !calls->isNull()) {
    if (!calls->isArray())
      throw StreamError("choices[0].delta.tool_calls is not a list: " + excerpt(calls->dump()));
    for (const auto& fragment : calls->items())
      toolCallFragment(fragment);
  }
}

std::string ChatStream::deltaText(const json::Value& delta, const std::string& key) {
  const json::Value* v = delta.find(key);
  if (!v || v->isNull())
    return "";
  if (!v->isString())
    throw StreamError("choices[0].delta." + key + " is not a string: " + excerpt(v->dump()));
  return v->asString();
}

void ChatStream::toolCallFragment(const json::Value& fragment) {
  if (!fragment.isObject())
    throw StreamError("a tool_calls fragment is not an object: " + excerpt(fragment.dump()));
  std::string id = fragment.getString("id").value_or("");
  const json::Value* function = fragment.find("function");
  if (function && !function->isNull() && !function->isObject())
    throw StreamError("a tool_calls fragment's function is not an object: " +
                      excerpt(fragment.dump()));
  std::string name;
  std::string arguments;
  if (function && function->isObject()) {
    name = function->getString("name").value_or("");
    if (const json::Value* args = function->find("arguments"); args && !args->isNull())
      arguments = args->isString() ? args->asString() : args->dump();
  }
  const bool starts = !id.empty() || !name.empty();
  int64_t index = 0;
  if (const json::Value* given = fragment.find("index"); given && !given->isNull()) {
    auto number = fragment.getInteger("index");
    if (!number || *number < 0)
      throw StreamError("a tool_calls fragment has index " + excerpt(given->dump()) +
                        ", not a whole number from 0");
    index = *number;
  } else { // servers that leave index out: a fragment with an id or name starts the next call
    index = starts || lastIndex_ < 0 ? lastIndex_ + 1 : lastIndex_;
  }
  auto it = calls_.find(index);
  if (it == calls_.end()) {
    if (!starts)
      throw StreamError("a tool_calls fragment for index " + std::to_string(index) +
                        ", which no fragment started (the first one of a call brings its id or "
                        "function.name)");
    grow(64); // each call costs something, even an empty one
    it = calls_.emplace(index, Call{}).first;
  }
  Call& call = it->second;
  if (!id.empty() && call.id.empty())
    call.id = id;
  if (!name.empty() && name != call.name)
    call.name += name; // the first fragment names it; a few servers split the name too
  grow(id.size() + name.size() + arguments.size());
  call.arguments += arguments;
  lastIndex_ = index;
}

std::string ChatStream::finish() {
  if (!done_)
    throw StreamError("the stream ended before data: [DONE]" + afterEvents());
  json::Value message = json::Value::object();
  message.set("role", json::Value::string("assistant"));
  // Unstreamed, a refusal comes with content null; streamed, an empty content delta may precede it.
  const bool content = hasContent_ && !(text_.empty() && !refusal_.empty());
  message.set("content", content ? json::Value::string(text_) : json::Value());
  if (!refusal_.empty())
    message.set("refusal", json::Value::string(refusal_));
  if (!calls_.empty()) {
    json::Value list = json::Value::array();
    for (const auto& [index, c] : calls_) {
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
    message.set("tool_calls", std::move(list));
  }
  json::Value choices = json::Value::array();
  if (sawChoice_) {
    json::Value choice = json::Value::object();
    choice.set("index", json::Value::number(0));
    choice.set("message", std::move(message));
    choice.set("finish_reason",
               finishReason_.empty() ? json::Value() : json::Value::string(finishReason_));
    choices.push(std::move(choice));
  }
  json::Value root = json::Value::object();
  root.set("object", json::Value::string("chat.completion"));
  root.set("choices", std::move(choices));
  return root.dump();
}

} // namespace rivet::openai
