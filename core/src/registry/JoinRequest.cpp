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

} // namespace

JoinCheck checkJoinBody(std::string_view body) {
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
  for (const char* key : {"agents", "providers", "models", "capabilities"}) {
    const rapidjson::Value* list = json::member(v, key);
    if (!list)
      node.setStrings(key, {});
    else if (!arrayOfStrings(*list))
      return std::string("Invalid node field ") + key + ": must be an array of strings";
  }
  return "";
}

} // namespace rivet::registry
