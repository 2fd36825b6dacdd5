// Hints from a seed's registry dump. The records are passed on whole (every field of a node
// record, unknown ones included); the core verifies each peer before it writes anything.
#include "MeshHints.hpp"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/ParseHandler.h>
#include <Poco/JSON/Parser.h>

#include <map>
#include <sstream>
#include <stdexcept>
#include <vector>

namespace rivet::discovery_seed {
namespace {

using Poco::Dynamic::Var;
using Poco::JSON::Object;

std::string text(const Object& o, const std::string& key) {
  const Var v = o.get(key);
  return v.isString() ? v.extract<std::string>() : std::string();
}

// lastSeen as epoch ms; a record without one is older than any record with one.
double lastSeen(const Object& o) {
  const Var v = o.get("lastSeen");
  try {
    return v.isNumeric() && !v.isBoolean() ? v.convert<double>() : -1.0;
  } catch (const Poco::Exception&) {
    return -1.0;
  }
}

bool hasPort(const Object& o) {
  const Var v = o.get("port");
  return !v.isEmpty() && !v.isBoolean() && (v.isNumeric() || v.isString());
}

} // namespace

MeshHints MeshHints::fromMeshAnswer(const std::string& body, const std::string& selfName) {
  Var parsed;
  try {
    Poco::JSON::Parser parser(new Poco::JSON::ParseHandler(true)); // keep each record's key order
    parsed = parser.parse(body);
  } catch (const Poco::Exception& e) {
    throw std::runtime_error("/api/mesh answer is not valid JSON: " + e.displayText());
  }
  if (parsed.type() != typeid(Poco::JSON::Array::Ptr))
    throw std::runtime_error("/api/mesh answer is not a JSON array of nodes");
  const auto records = parsed.extract<Poco::JSON::Array::Ptr>();

  MeshHints hints;
  std::vector<Object::Ptr> kept;      // in the seed's order
  std::map<std::string, size_t> slot; // node name -> index in `kept`
  for (size_t i = 0; i < records->size(); ++i) {
    const Var entry = records->get(i);
    if (entry.type() != typeid(Object::Ptr)) {
      ++hints.skipped;
      continue;
    }
    const auto record = entry.extract<Object::Ptr>();
    const std::string name = text(*record, "name");
    if (name.empty() || text(*record, "host").empty() || !hasPort(*record)) {
      ++hints.skipped;
      continue;
    }
    if (name == selfName)
      continue;
    const auto known = slot.find(name);
    if (known == slot.end()) {
      slot.emplace(name, kept.size());
      kept.push_back(record);
    } else if (lastSeen(*record) > lastSeen(*kept[known->second])) {
      kept[known->second] = record;
    }
  }

  Poco::JSON::Array out;
  for (const auto& record : kept)
    out.add(record);
  std::ostringstream json;
  out.stringify(json);
  hints.json = json.str();
  hints.count = kept.size();
  return hints;
}

} // namespace rivet::discovery_seed
