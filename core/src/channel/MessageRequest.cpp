// Validation of /api/message bodies: Invalid JSON body / Missing fromAgent or message, plus
// type checks on the optional fields.
#include "channel/MessageRequest.hpp"

#include <Poco/JSON/Parser.h>

namespace rivet::channel {
namespace {

MessageParse error(const char* json) {
  return {std::nullopt, 400, json};
}

// JavaScript truthiness of a parsed JSON value (RivetOS rejects falsy bodies as invalid).
bool truthy(const Poco::Dynamic::Var& v) {
  if (v.isEmpty())
    return false;
  if (v.type() == typeid(bool))
    return v.extract<bool>();
  if (v.isNumeric())
    return v.convert<double>() != 0.0;
  if (v.isString())
    return !v.extract<std::string>().empty();
  return true;
}

// A number, or a string holding an integer (RivetOS passes strings through), within
// [0, max]; nullopt otherwise (also for NaN, infinities and anything a cast could not hold).
std::optional<int64_t> integer(const Poco::Dynamic::Var& v, int64_t max) {
  try {
    double d = 0;
    if (v.isNumeric()) {
      d = v.convert<double>();
    } else if (v.isString()) {
      const std::string s = v.extract<std::string>();
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

MessageParse parseMessageRequest(std::string_view body) {
  Poco::Dynamic::Var parsed;
  try {
    parsed = Poco::JSON::Parser().parse(std::string(body));
  } catch (const Poco::Exception&) {
    // Poco refuses a top-level scalar (42, "text", true), which is valid JSON: judge it as
    // RivetOS does, by its truthiness.
    try {
      auto wrapped = Poco::JSON::Parser()
                         .parse("[" + std::string(body) + "]")
                         .extract<Poco::JSON::Array::Ptr>();
      if (wrapped->size() != 1)
        return error(R"({"error":"Invalid JSON body"})");
      parsed = wrapped->get(0);
    } catch (const Poco::Exception&) {
      return error(R"({"error":"Invalid JSON body"})");
    }
  }
  if (!truthy(parsed))
    return error(R"({"error":"Invalid JSON body"})");
  if (parsed.type() != typeid(Poco::JSON::Object::Ptr))
    return error(R"({"error":"Missing fromAgent or message"})");
  auto obj = parsed.extract<Poco::JSON::Object::Ptr>();
  auto from = obj->get("fromAgent");
  auto message = obj->get("message");
  if (!from.isString() || !message.isString() || !truthy(from) || !truthy(message))
    return error(R"({"error":"Missing fromAgent or message"})");

  MessageRequest r;
  r.fromAgent = from.extract<std::string>();
  r.message = message.extract<std::string>();
  r.task = stripDelegationPrefix(r.message);
  if (obj->has("toAgent") && !obj->isNull("toAgent")) {
    auto to = obj->get("toAgent");
    if (!to.isString())
      return error(R"({"error":"toAgent must be a string: an agent id"})");
    r.toAgent = to.extract<std::string>();
  }
  if (obj->has("model") && !obj->isNull("model")) {
    auto model = obj->get("model");
    if (!model.isString())
      return error(R"({"error":"model must be a string"})");
    r.model = model.extract<std::string>();
  }
  if (obj->has("chainDepth") && !obj->isNull("chainDepth")) {
    auto depth = integer(obj->get("chainDepth"), kMaxChainDepthValue);
    if (!depth)
      return error(R"({"error":"chainDepth must be a number from 0 to 1000000"})");
    r.chainDepth = *depth;
  }
  if (obj->has("timeoutMs") && !obj->isNull("timeoutMs")) {
    auto timeout = integer(obj->get("timeoutMs"), kMaxTimeoutMs);
    if (!timeout || *timeout <= 0)
      return error("{\"error\":\"timeoutMs must be a positive number of milliseconds, at "
                   "most 86400000 (24 h)\"}");
    r.timeoutMs = *timeout;
  }
  if (obj->has("path") && !obj->isNull("path")) {
    auto hops = obj->get("path");
    static const char* kBadPath =
        R"({"error":"path must be an array of at most 64 \"agent@node\" strings"})";
    if (hops.type() != typeid(Poco::JSON::Array::Ptr))
      return error(kBadPath);
    auto array = hops.extract<Poco::JSON::Array::Ptr>();
    if (array->size() > kMaxPathHops)
      return error(kBadPath);
    for (size_t i = 0; i < array->size(); ++i) {
      auto hop = array->get(static_cast<unsigned>(i));
      if (!hop.isString())
        return error(kBadPath);
      std::string text = hop.extract<std::string>();
      size_t at = text.find('@');
      if (text.size() > kMaxHopBytes || at == 0 || at == std::string::npos || at + 1 == text.size())
        return error(kBadPath);
      r.path.push_back(std::move(text));
    }
  }
  return {r, 200, ""};
}

} // namespace rivet::channel
