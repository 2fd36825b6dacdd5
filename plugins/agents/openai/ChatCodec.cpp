// Encodes chat-completions requests and decodes answers and error bodies in the shapes that
// OpenAI, Ollama, llama.cpp's server and vLLM use.
#include "ChatCodec.hpp"

#include <Poco/Exception.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <sstream>

namespace rivet::openai {
namespace {

using Poco::JSON::Array;
using Poco::JSON::Object;

Object::Ptr parseObject(const std::string& body) {
  try {
    Poco::JSON::Parser parser;
    Poco::Dynamic::Var root = parser.parse(body);
    if (root.type() == typeid(Object::Ptr))
      return root.extract<Object::Ptr>();
  } catch (const Poco::Exception&) {
  } catch (const std::exception&) {
  }
  return nullptr;
}

std::string stringField(const Object& o, const std::string& key) {
  if (!o.has(key) || o.isNull(key) || !o.get(key).isString())
    return "";
  return o.getValue<std::string>(key);
}

// The text parts of a content array (`[{"type":"text","text":".."}]`), joined.
std::string joinTextParts(const Array& parts) {
  std::string text;
  for (size_t i = 0; i < parts.size(); ++i) {
    Object::Ptr part = parts.getObject(static_cast<unsigned>(i));
    if (part && stringField(*part, "type") == "text")
      text += stringField(*part, "text");
  }
  return text;
}

ChatAnswer problem(std::string text) {
  return {false, "", std::move(text)};
}

} // namespace

std::string encodeChatRequest(const ChatRequest& request) {
  Object body(Poco::JSON_PRESERVE_KEY_ORDER);
  body.set("model", request.model);
  Array::Ptr messages = new Array;
  if (!request.systemPrompt.empty()) {
    Object::Ptr system = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
    system->set("role", "system");
    system->set("content", request.systemPrompt);
    messages->add(system);
  }
  Object::Ptr user = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
  user->set("role", "user");
  user->set("content", request.userMessage);
  messages->add(user);
  body.set("messages", messages);
  if (request.temperature)
    body.set("temperature", *request.temperature);
  if (request.maxTokens)
    body.set("max_tokens", static_cast<Poco::Int64>(*request.maxTokens));
  body.set("stream", false);
  std::ostringstream out;
  body.stringify(out);
  return out.str();
}

ChatAnswer decodeChatAnswer(const std::string& body) {
  Object::Ptr root = parseObject(body);
  if (!root)
    return problem("with a body that is not a JSON object: " + excerpt(body));
  if (root->has("error") && !root->isNull("error"))
    return problem("with an error: " + providerErrorText(body, "no message"));
  Array::Ptr choices = root->has("choices") ? root->getArray("choices") : nullptr;
  if (!choices || choices->size() == 0)
    return problem("without choices: " + excerpt(body));
  Object::Ptr choice = choices->getObject(0);
  Object::Ptr message = choice ? choice->getObject("message") : nullptr;
  if (!message)
    return problem("without choices[0].message: " + excerpt(body));
  if (message->has("content") && !message->isNull("content")) {
    if (message->get("content").isString())
      return {true, message->getValue<std::string>("content"), ""};
    if (Array::Ptr parts = message->getArray("content"))
      return {true, joinTextParts(*parts), ""};
  }
  if (std::string refusal = stringField(*message, "refusal"); !refusal.empty())
    return problem("with a refusal: " + refusal);
  if (message->has("tool_calls") && !message->isNull("tool_calls"))
    return problem("with tool calls instead of text (this agent offers no tools)");
  std::string reason = stringField(*choice, "finish_reason");
  return problem("without message content" +
                 (reason.empty() ? std::string() : " (finish_reason: " + reason + ")"));
}

std::string providerErrorText(const std::string& body, const std::string& fallback) {
  if (Object::Ptr root = parseObject(body)) {
    if (Object::Ptr error = root->getObject("error")) {
      if (std::string m = stringField(*error, "message"); !m.empty())
        return m;
    }
    if (std::string e = stringField(*root, "error"); !e.empty())
      return e; // Ollama and some proxies: {"error":"model 'x' not found"}
    if (std::string m = stringField(*root, "message"); !m.empty())
      return m;
  }
  std::string text = excerpt(body);
  return text.empty() ? fallback : text;
}

std::string excerpt(const std::string& text, size_t maxChars) {
  std::string line;
  bool space = false;
  for (char c : text) {
    bool blank = c == ' ' || c == '\n' || c == '\r' || c == '\t';
    if (blank) {
      space = !line.empty();
      continue;
    }
    if (space)
      line += ' ';
    space = false;
    line += c;
  }
  if (line.size() <= maxChars)
    return line;
  size_t cut = maxChars;
  while (cut > 0 && (static_cast<unsigned char>(line[cut]) & 0xC0) == 0x80)
    --cut; // do not split a UTF-8 sequence
  return line.substr(0, cut) + "...";
}

} // namespace rivet::openai
