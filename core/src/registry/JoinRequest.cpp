// Stricter than RivetOS, which accepts any truthy value and lets a node without `agents` break
// every later findByAgent; the texts of the common errors are RivetOS's own.
#include "registry/JoinRequest.hpp"

#include "registry/JsonCodec.hpp"
#include "registry/JsonMembers.hpp"

namespace rivet::registry {
namespace {

bool nonEmptyString(const rapidjson::Value& object, std::string_view key) {
  const rapidjson::Value* v = json::member(object, key);
  return v && v->IsString() && v->GetStringLength() > 0;
}

bool arrayOfStrings(const rapidjson::Value& v) {
  if (!v.IsArray())
    return false;
  for (const auto& item : v.GetArray())
    if (!item.IsString())
      return false;
  return true;
}

std::string invalidField(std::string_view key, const std::string& why) {
  return "Invalid node field " + std::string(key) + ": " + why;
}

std::string tooLong(std::string_view key) {
  return invalidField(key, "strings must be at most " + std::to_string(kMaxFieldBytes) + " bytes");
}

} // namespace

JoinCheck checkJoinBody(std::string_view body) {
  if (body.size() > kMaxJoinBodyBytes)
    return {std::nullopt,
            "Join body exceeds " + std::to_string(kMaxJoinBodyBytes / 1024) +
                " KiB limit: a node entry is small; send only this node's own entry",
            413};
  rapidjson::Document doc;
  std::string error;
  if (!parseJson(body, doc, error) || doc.IsNull())
    return {std::nullopt, kInvalidJsonBody};
  if (!doc.IsObject())
    return {std::nullopt, kMissingNodeFields};
  NodeRecord node(doc);
  std::string problem = checkNodeRecord(node);
  if (!problem.empty())
    return {std::nullopt, problem};
  return {std::move(node), ""};
}

std::string checkNodeRecord(NodeRecord& node) {
  const rapidjson::Value& v = node.json();
  auto port = json::integer(v, "port");
  if (!nonEmptyString(v, "id") || !nonEmptyString(v, "name") || !nonEmptyString(v, "host") ||
      !port || *port < 1 || *port > 65535)
    return kMissingNodeFields;
  for (const char* key : {"id", "name", "host", "status", "version", "role"}) {
    const rapidjson::Value* s = json::member(v, key);
    if (s && s->IsString() && s->GetStringLength() > kMaxFieldBytes)
      return tooLong(key);
  }
  for (const char* key : {"agents", "providers", "models", "capabilities"}) {
    const rapidjson::Value* list = json::member(v, key);
    if (!list) {
      node.setStrings(key, {});
      continue;
    }
    if (!arrayOfStrings(*list))
      return invalidField(key, "must be an array of strings");
    if (list->Size() > kMaxListEntries)
      return invalidField(key, "at most " + std::to_string(kMaxListEntries) + " entries");
    for (const auto& item : list->GetArray())
      if (item.GetStringLength() > kMaxFieldBytes)
        return tooLong(key);
  }
  return "";
}

std::string checkJoinIdentity(std::string_view peerCn, const NodeRecord& node) {
  std::string_view own = peerCn;
  constexpr std::string_view kSuffix = ".mesh";
  if (own.size() > kSuffix.size() && own.substr(own.size() - kSuffix.size()) == kSuffix)
    own.remove_suffix(kSuffix.size());
  bool agentCertificate = own.find('@') != std::string_view::npos;
  std::string name = node.name(), id = node.id();
  const std::string* differs = agentCertificate || name != own ? &name : id != own ? &id : nullptr;
  if (!differs)
    return "";
  return "Certificate CN " + std::string(peerCn) + " may not register node " + *differs;
}

} // namespace rivet::registry
