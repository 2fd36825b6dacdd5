// Checking JSON-RPC envelopes and A2A parameters.
#include "a2a/A2aRequest.hpp"

#include "a2a/A2aJson.hpp"

#include <algorithm>
#include <cmath>

namespace rivet::a2a {
namespace {

using sdk::json::Value;

constexpr size_t kMaxIdBytes = 256;
constexpr size_t kMaxMethodBytes = 128;
constexpr size_t kMaxMessageIdBytes = 200; // "a2a:" + it is the task's idempotency key
constexpr size_t kMaxContextIdBytes = 128;
constexpr size_t kMaxParts = 64;

bool printable(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= 0x21 && c <= 0x7e; });
}

std::nullopt_t invalid(RpcFault& f, int code, std::string message, const char* reason) {
  f.code = code;
  f.message = std::move(message);
  f.reason = reason;
  return std::nullopt;
}

std::nullopt_t badParams(RpcFault& f, std::string message) {
  return invalid(f, kInvalidParams, std::move(message), "INVALID_PARAMS");
}

} // namespace

std::optional<RpcCall> parseCall(std::string_view body, RpcFault& f) {
  std::optional<Value> doc;
  try {
    doc = sdk::json::parse(body);
  } catch (const std::exception& e) {
    return invalid(f, kParseError, std::string("The body is not JSON: ") + e.what(), "PARSE_ERROR");
  }
  if (doc->isArray())
    return invalid(f, kInvalidRequest, "JSON-RPC batches are not supported: send one request",
                   "INVALID_REQUEST");
  if (!doc->isObject())
    return invalid(f, kInvalidRequest, "The body must be a JSON-RPC request object",
                   "INVALID_REQUEST");
  RpcCall call;
  const Value* id = doc->find("id");
  if (id && id->isString() && id->asString().size() <= kMaxIdBytes)
    call.idJson = id->dump();
  else if (id && id->isNumber() && std::trunc(id->asNumber()) == id->asNumber() &&
           std::fabs(id->asNumber()) < 9e15)
    call.idJson = id->dump();
  else
    return invalid(f, kInvalidRequest,
                   "id must be a string (at most 256 bytes) or an integer; notifications are not "
                   "supported",
                   "INVALID_REQUEST");
  f.idJson = call.idJson;
  if (doc->getString("jsonrpc").value_or("") != "2.0")
    return invalid(f, kInvalidRequest, "jsonrpc must be \"2.0\"", "INVALID_REQUEST");
  auto method = doc->getString("method");
  if (!method || method->empty() || method->size() > kMaxMethodBytes)
    return invalid(f, kInvalidRequest, "method must be the name of an A2A method",
                   "INVALID_REQUEST");
  call.method = *method;
  const Value* params = doc->find("params");
  if (params && !params->isObject())
    return badParams(f, "params must be an object");
  call.params = params ? *params : sdk::json::parse("{}");
  return call;
}

std::optional<SendParams> parseSend(const Value& params, RpcFault& f, std::string& continuesTask) {
  const Value* m = params.find("message");
  if (!m || !m->isObject())
    return badParams(f, "params.message is required: the message to send, an object");
  SendParams out;
  if (m->getString("role").value_or("") != "ROLE_USER")
    return badParams(f, "params.message.role must be \"ROLE_USER\"");
  out.messageId = m->getString("messageId").value_or("");
  if (out.messageId.empty() || out.messageId.size() > kMaxMessageIdBytes ||
      !printable(out.messageId))
    return badParams(f, "params.message.messageId must be 1 to 200 printable ASCII characters");
  if (const Value* c = m->find("contextId"); c && !c->isNull()) {
    if (!c->isString() || c->asString().size() > kMaxContextIdBytes || !printable(c->asString()))
      return badParams(f, "params.message.contextId must be 1 to 128 printable ASCII characters");
    out.contextId = c->asString();
  }
  if (const Value* t = m->find("taskId"); t && t->isString() && !t->asString().empty())
    continuesTask = t->asString().substr(0, 64);
  const Value* parts = m->find("parts");
  if (!parts || !parts->isArray() || parts->items().empty() || parts->items().size() > kMaxParts)
    return badParams(f, "params.message.parts must be an array of 1 to 64 parts");
  for (const Value& p : parts->items()) {
    if (!p.isObject())
      return badParams(f, "each part must be an object");
    if (const Value* t = p.find("text")) {
      if (!t->isString())
        return badParams(f, "a part's text must be a string");
      if (!out.text.empty())
        out.text += "\n\n";
      out.text += t->asString();
    } else if (const Value* d = p.find("data")) {
      if (!out.text.empty())
        out.text += "\n\n";
      out.text += d->dump(); // structured data reaches the agent as its JSON text
    } else if (p.find("url") || p.find("raw")) {
      return invalid(f, kContentTypeNotSupported,
                     "File parts (url, raw) are not supported: send the content as text or data",
                     "CONTENT_TYPE_NOT_SUPPORTED");
    } else {
      return badParams(f, "a part must hold text, data, url or raw");
    }
  }
  if (out.text.empty())
    return badParams(f, "the message has no text");
  if (const Value* c = params.find("configuration"); c && !c->isNull()) {
    if (!c->isObject())
      return badParams(f, "params.configuration must be an object");
    if (const Value* push = c->find("taskPushNotificationConfig"); push && !push->isNull())
      return invalid(f, kPushNotSupported, "Push notifications are not supported",
                     "PUSH_NOTIFICATION_NOT_SUPPORTED");
    if (const Value* r = c->find("returnImmediately"); r && !r->isNull()) {
      if (!r->isBool())
        return badParams(f, "params.configuration.returnImmediately must be true or false");
      out.returnImmediately = r->asBool();
    }
    if (const Value* h = c->find("historyLength"); h && !h->isNull()) {
      auto n = c->getInteger("historyLength");
      if (!n || *n < 0)
        return badParams(f, "params.configuration.historyLength must be a whole number >= 0");
      out.historyLength = *n;
    }
  }
  // Kept without its parts: the text is stored once, as the task's message (the history gives
  // it back as one text part).
  std::vector<std::pair<std::string, Value>> kept;
  for (const auto& member : m->members())
    if (member.first != "parts")
      kept.push_back(member);
  Value message;
  message.setMembers(std::move(kept));
  out.messageJson = message.dump();
  return out;
}

std::optional<std::string> taskIdParam(const Value& params, RpcFault& f) {
  auto id = params.getString("id");
  if (!id || id->empty())
    return badParams(f, "params.id is required: the task's id");
  return id->substr(0, 64);
}

std::optional<int64_t> historyLengthParam(const Value& params, RpcFault& f) {
  const Value* h = params.find("historyLength");
  if (!h || h->isNull())
    return -1;
  auto n = params.getInteger("historyLength");
  if (!n || *n < 0)
    return badParams(f, "params.historyLength must be a whole number >= 0");
  return n;
}

} // namespace rivet::a2a
