// Reads an Agent Card: the first supportedInterfaces entry with protocolBinding JSONRPC and a 1.x
// protocolVersion; a v0.3 card (top-level url, no supportedInterfaces) is refused saying so.
#include "AgentCard.hpp"

#include <rivet/sdk/json.hpp>

#include <Poco/Exception.h>
#include <Poco/String.h>

namespace rivet::a2a {
namespace {

namespace json = sdk::json;

constexpr size_t kMaxInterfaces = 64;
constexpr size_t kMaxSkillsShown = 8;
constexpr size_t kMaxTextBytes = 300;

// `s` cut to about `max` bytes on a UTF-8 boundary, with "..." when cut.
std::string cut(const std::string& s, size_t max) {
  if (s.size() <= max)
    return s;
  size_t end = max;
  while (end > 0 && (static_cast<unsigned char>(s[end]) & 0xC0) == 0x80)
    --end;
  return s.substr(0, end) + "...";
}

// protocolBinding, also in the snake_case the SDK's reader accepts.
std::string member(const json::Value& v, const char* camel, const char* snake) {
  auto s = v.getString(camel);
  return s ? *s : v.getString(snake).value_or("");
}

} // namespace

AgentCard AgentCard::parse(const std::string& text, const Poco::URI& cardUrl, bool allowHttp) {
  const std::string where = "the Agent Card at " + cardUrl.toString();
  if (text.size() > kMaxBytes)
    throw CardError(where + " is larger than 256 KiB");
  json::Value root;
  try {
    root = json::parse(text);
  } catch (const json::ParseError& e) {
    throw CardError(where + " is not JSON (" + e.what() +
                    "); does card_url name the card (…/.well-known/agent-card.json)?");
  }
  if (!root.isObject())
    throw CardError(where + " is not a JSON object");
  AgentCard card;
  card.name = cut(root.getString("name").value_or(""), kMaxTextBytes);
  card.description = cut(root.getString("description").value_or(""), kMaxTextBytes);
  if (const json::Value* skills = root.find("skills"); skills && skills->isArray()) {
    size_t shown = 0;
    for (const auto& skill : skills->items()) {
      if (!skill.isObject() || shown == kMaxSkillsShown)
        continue;
      std::string name = skill.getString("name").value_or(skill.getString("id").value_or(""));
      std::string about = skill.getString("description").value_or("");
      card.skills += (card.skills.empty() ? "" : "; ") + name + (about.empty() ? "" : ": " + about);
      ++shown;
    }
    card.skills = cut(card.skills, kMaxTextBytes * 2);
  }
  if (const json::Value* caps = root.find("capabilities"); caps && caps->isObject())
    card.streaming = caps->getBool("streaming").value_or(false);

  const json::Value* interfaces = root.find("supportedInterfaces");
  if (!interfaces)
    interfaces = root.find("supported_interfaces");
  if (!interfaces || !interfaces->isArray()) {
    if (root.getString("url"))
      throw CardError(where + " is an A2A 0.3 card (a top-level url, no supportedInterfaces): this "
                              "plugin speaks A2A 1.0; upgrade the remote agent to A2A 1.0");
    throw CardError(where + " has no supportedInterfaces list: it names no endpoint to call");
  }
  std::string offered;
  size_t seen = 0;
  for (const auto& entry : interfaces->items()) {
    if (++seen > kMaxInterfaces)
      break;
    if (!entry.isObject())
      continue;
    std::string binding = member(entry, "protocolBinding", "protocol_binding");
    std::string version = member(entry, "protocolVersion", "protocol_version");
    std::string url = entry.getString("url").value_or("");
    offered += (offered.empty() ? "" : ", ") + cut(binding, 40) + " " + cut(version, 20);
    if (Poco::icompare(binding, "JSONRPC") != 0 || url.empty())
      continue;
    if (!version.empty() && version.rfind("1.", 0) != 0 && version != "1")
      continue;
    Poco::URI endpoint;
    try {
      endpoint = Poco::URI(cardUrl, url);
    } catch (const Poco::Exception& e) {
      throw CardError(where + " names the JSONRPC endpoint '" + cut(url, 200) +
                      "', which is not a URL (" + e.displayText() + ")");
    }
    if (endpoint.getScheme() != "https" && !(endpoint.getScheme() == "http" && allowHttp))
      throw CardError(where + " names the JSONRPC endpoint " + cut(endpoint.toString(), 200) +
                      (endpoint.getScheme() == "http"
                           ? ", which is plain http: set allow_http: true to allow it"
                           : ", which is not an https URL"));
    if (endpoint.getHost().empty())
      throw CardError(where + " names a JSONRPC endpoint without a host");
    card.endpoint = endpoint;
    card.protocolVersion = version.empty() ? "1.0" : version;
    return card;
  }
  throw CardError(where + " offers no JSONRPC interface for A2A 1.x (it offers: " +
                  (offered.empty() ? std::string("none") : offered) +
                  "); this plugin speaks the JSON-RPC binding of A2A 1.0");
}

bool AgentCard::sameUse(const AgentCard& other) const {
  return endpoint.toString() == other.endpoint.toString() && streaming == other.streaming &&
         protocolVersion == other.protocolVersion;
}

std::string AgentCard::summary() const {
  return "'" + name + "' at " + endpoint.toString() + " (A2A " + protocolVersion +
         (streaming ? ", streaming)" : ", not streaming)");
}

} // namespace rivet::a2a
