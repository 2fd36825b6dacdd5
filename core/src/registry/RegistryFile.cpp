// Shape checks stop at the top level: entries that are not node objects are kept as they are
// (never dropped on rewrite) and skipped by the rules.
#include "registry/RegistryFile.hpp"

#include "registry/JsonCodec.hpp"
#include "registry/JsonMembers.hpp"
#include "registry/RegistryError.hpp"

namespace rivet::registry {
namespace {

RegistryError invalid(const std::string& path, const std::string& what) {
  return RegistryError(RegistryError::Kind::Invalid, path + " " + what);
}

} // namespace

Registry RegistryFile::parse(std::string_view text, const std::string& path) {
  if (text.find_first_not_of(" \t\r\n") == std::string_view::npos)
    throw invalid(path, "is empty");
  rapidjson::Document doc;
  std::string error;
  if (!parseJson(text, doc, error))
    throw invalid(path, "is not valid JSON (torn or hand-edited?): " + error);
  if (!doc.IsObject())
    throw invalid(path, "is not a registry: its top level is not a JSON object");
  const rapidjson::Value* nodes = json::member(doc, "nodes");
  if (nodes && nodes->IsArray())
    throw RegistryError(
        RegistryError::Kind::Legacy,
        "mesh registry " + path +
            " is in the legacy pre-capabilities flat-array format (\"nodes\" is an array); "
            "move it aside so that every node re-registers, or convert \"nodes\" to an object "
            "keyed by node id");
  if (!nodes || !nodes->IsObject())
    throw invalid(path, "is not a registry: it has no \"nodes\" object");
  return Registry(std::move(doc));
}

std::string RegistryFile::serialize(const Registry& registry) {
  std::string out;
  out.reserve(4096 + registry.size() * 1024);
  appendJson(out, registry.document(), 2);
  return out;
}

} // namespace rivet::registry
