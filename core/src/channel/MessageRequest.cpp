// Validation of /api/message bodies: Invalid JSON body / Missing fromAgent or message, plus
// type checks on the optional fields.
#include "channel/MessageRequest.hpp"

#include <algorithm>

#include <rapidjson/document.h>

#include <stdexcept>
#include <string_view>
#include <utility>

namespace rivet::channel {
namespace {

using Value = rapidjson::GenericValue<rapidjson::UTF8<>, rapidjson::MemoryPoolAllocator<>>;

MessageParse error(const char* json) {
  return {std::nullopt, 400, json};
}

std::string text(const Value& v) {
  return std::string(v.GetString(), v.GetStringLength());
}

// JavaScript truthiness of a parsed JSON value (RivetOS rejects falsy bodies as invalid).
bool truthy(const Value& v) {
  if (v.IsNull())
    return false;
  if (v.IsBool())
    return v.GetBool();
  if (v.IsNumber())
    return v.GetDouble() != 0.0;
  if (v.IsString())
    return v.GetStringLength() > 0;
  return true;
}

// A number, or a string holding an integer (RivetOS passes strings through), within
// [0, max]; nullopt otherwise (also for anything a cast could not hold).
std::optional<int64_t> integer(const Value& v, int64_t max) {
  try {
    double d = 0;
    if (v.IsNumber()) {
      d = v.GetDouble();
    } else if (v.IsString()) {
      const std::string s = text(v);
      size_t used = 0;
      d = static_cast<double>(std::stoll(s, &used));
      if (used != s.size())
        return std::nullopt;
    } else {
      return std::nullopt;
    }
    if (!(d >= 0 && d <= static_cast<double>(max)))
      return std::nullopt;
    return static_cast<int64_t>(d);
  } catch (const std::exception&) {
  }
  return std::nullopt;
}

// The members this body may have, found in one pass: the last one of each name when it is
// repeated (as JSON.parse keeps it); null values count as absent.
struct Members {
  const Value* fromAgent = nullptr;
  const Value* message = nullptr;
  const Value* toAgent = nullptr;
  const Value* model = nullptr;
  const Value* chainDepth = nullptr;
  const Value* timeoutMs = nullptr;
  const Value* path = nullptr;
  const Value* caller = nullptr;
};

Members members(const Value& object) {
  Members m;
  for (auto it = object.MemberBegin(); it != object.MemberEnd(); ++it) {
    std::string_view name(it->name.GetString(), it->name.GetStringLength());
    const Value** slot = name == "fromAgent"    ? &m.fromAgent
                         : name == "message"    ? &m.message
                         : name == "toAgent"    ? &m.toAgent
                         : name == "model"      ? &m.model
                         : name == "chainDepth" ? &m.chainDepth
                         : name == "timeoutMs"  ? &m.timeoutMs
                         : name == "path"       ? &m.path
                         : name == "caller"     ? &m.caller
                                                : nullptr;
    if (slot)
      *slot = &it->value;
  }
  for (const Value** v : {&m.fromAgent, &m.message, &m.toAgent, &m.model, &m.chainDepth,
                          &m.timeoutMs, &m.path, &m.caller})
    if (*v && (*v)->IsNull())
      *v = nullptr;
  return m;
}

} // namespace

std::string stripDelegationPrefix(std::string_view message) {
  static constexpr std::string_view kPrefix = "[Mesh delegation]";
  if (message.substr(0, kPrefix.size()) != kPrefix)
    return std::string(message);
  message.remove_prefix(kPrefix.size());
  while (!message.empty() && (message.front() == ' ' || message.front() == '\t' ||
                              message.front() == '\n' || message.front() == '\r'))
    message.remove_prefix(1);
  return std::string(message);
}

MessageParse parseMessageRequest(std::string_view body, int64_t maxTimeoutMs) {
  // The document's values and the parser's stack start in buffers on this stack: a small body
  // costs no heap allocation (RapidJSON's default pool would allocate 64 KiB per parse).
  // The stack buffer holds both the document's stack and the parser's (256 bytes to start):
  // what they ask for first must fit in it beside the pool's header, or the pool takes a 64 KiB
  // chunk from the heap on every parse.
  char valueBuffer[4096];
  char stackBuffer[2048];
  constexpr size_t kDocumentStack = 1024;
  rapidjson::MemoryPoolAllocator<> values(valueBuffer, sizeof valueBuffer);
  rapidjson::MemoryPoolAllocator<> stack(stackBuffer, sizeof stackBuffer);
  rapidjson::GenericDocument<rapidjson::UTF8<>, rapidjson::MemoryPoolAllocator<>,
                             rapidjson::MemoryPoolAllocator<>>
      doc(&values, kDocumentStack, &stack);
  // Iterative: a hostile body nested a million deep must not overflow the stack. No
  // kParseFullPrecisionFlag: RapidJSON 1.1.0's full-precision path reads past a table on
  // crafted numbers.
  doc.Parse<rapidjson::kParseIterativeFlag>(body.data(), body.size());
  if (doc.HasParseError() || !truthy(doc))
    return error(R"({"error":"Invalid JSON body"})");
  if (!doc.IsObject())
    return error(R"({"error":"Missing fromAgent or message"})");
  const Members m = members(doc);
  const Value* from = m.fromAgent;
  const Value* message = m.message;
  if (!from || !message || !from->IsString() || !message->IsString() || !truthy(*from) ||
      !truthy(*message))
    return error(R"({"error":"Missing fromAgent or message"})");

  MessageRequest r;
  r.fromAgent = text(*from);
  r.message = text(*message);
  r.task = stripDelegationPrefix(r.message);
  if (const Value* to = m.toAgent) {
    if (!to->IsString())
      return error(R"({"error":"toAgent must be a string: an agent id"})");
    r.toAgent = text(*to);
  }
  if (const Value* model = m.model) {
    if (!model->IsString())
      return error(R"({"error":"model must be a string"})");
    r.model = text(*model);
  }
  if (const Value* v = m.chainDepth) {
    auto depth = integer(*v, kMaxChainDepthValue);
    if (!depth)
      return error(R"({"error":"chainDepth must be a number from 0 to 1000000"})");
    r.chainDepth = *depth;
  }
  if (const Value* v = m.timeoutMs) {
    auto timeout = integer(*v, maxTimeoutMs);
    if (!timeout || *timeout <= 0)
      return error(("{\"error\":\"timeoutMs must be a positive number of milliseconds, at most " +
                    std::to_string(maxTimeoutMs) +
                    (maxTimeoutMs == kMaxTimeoutMs ? " (24 h)" : " (tasks.max_timeout_ms)") + "\"}")
                       .c_str());
    r.timeoutMs = *timeout;
  }
  if (const Value* hops = m.path) {
    static const char* kBadPath =
        R"({"error":"path must be an array of at most 64 \"agent@node\" strings"})";
    if (!hops->IsArray() || hops->Size() > kMaxPathHops)
      return error(kBadPath);
    for (const auto& hop : hops->GetArray()) {
      if (!hop.IsString())
        return error(kBadPath);
      std::string step = text(hop);
      size_t at = step.find('@');
      if (step.size() > kMaxHopBytes || at == 0 || at == std::string::npos || at + 1 == step.size())
        return error(kBadPath);
      r.path.push_back(std::move(step));
    }
  }
  if (const Value* c = m.caller) { // ours: whom a forwarding node sends it for
    r.caller = c->IsString() ? text(*c) : std::string();
    if (!isCallerField(r.caller))
      return error(R"({"error":"caller must be \"cn:<node name>\" or \"unknown\""})");
  }
  return {std::move(r), 200, ""};
}

bool isCallerField(const std::string& c) {
  if (c == "unknown")
    return true;
  // "cn:<node>", or "token:<name>" for an A2A client with a bearer token (docs/a2a.md).
  const size_t prefix = c.compare(0, 3, "cn:") == 0 ? 3 : c.compare(0, 6, "token:") == 0 ? 6 : 0;
  if (prefix == 0 || c.size() <= prefix || c.size() > prefix + 253)
    return false;
  auto nodeChar = [](char x) {
    return (x >= 'a' && x <= 'z') || (x >= 'A' && x <= 'Z') || (x >= '0' && x <= '9') || x == '_' ||
           x == '.' || x == '-';
  };
  return std::all_of(c.begin() + static_cast<std::ptrdiff_t>(prefix), c.end(), nodeChar);
}

} // namespace rivet::channel
