// index.json read and written with Poco::JSON, keys in a stable order so that diffs of the file
// stay readable. Written atomically; callers hold the CaLock around load..save.
#include "ca/CaIndex.hpp"

#include "ca/CaError.hpp"
#include "ca/CaFiles.hpp"

#include <Poco/Exception.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <sstream>

namespace rivet::ca {
namespace {

constexpr int kIndexVersion = 1;

// A field of the wanted type, or DataFormatException naming it: a hand-edited or broken index
// must not read as epoch 0 or as a serial converted from a number.
int64_t integerField(const Poco::JSON::Object& o, const std::string& key) {
  if (!o.has(key) || o.isNull(key))
    return 0;
  Poco::Dynamic::Var v = o.get(key);
  if (!v.isInteger())
    throw Poco::DataFormatException(key + " is not a whole number");
  return v.convert<Poco::Int64>();
}

std::string stringField(const Poco::JSON::Object& o, const std::string& key, bool required) {
  if (!o.has(key) || o.isNull(key)) {
    if (required)
      throw Poco::DataFormatException(key + " is missing");
    return "";
  }
  Poco::Dynamic::Var v = o.get(key);
  if (!v.isString())
    throw Poco::DataFormatException(key + " is not a string");
  return v.extract<std::string>();
}

IndexEntry entryFromJson(const Poco::JSON::Object& o) {
  IndexEntry e;
  e.name = stringField(o, "name", true);
  e.serialHex = stringField(o, "serial", true);
  e.commonName = stringField(o, "commonName", false);
  e.notBefore = integerField(o, "notBefore");
  e.notAfter = integerField(o, "notAfter");
  e.issuedAt = integerField(o, "issuedAt");
  if (o.has("revokedAt") && !o.isNull("revokedAt"))
    e.revokedAt = integerField(o, "revokedAt");
  return e;
}

Poco::JSON::Object::Ptr entryToJson(const IndexEntry& e) {
  Poco::JSON::Object::Ptr o = new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
  o->set("name", e.name);
  o->set("serial", e.serialHex);
  o->set("commonName", e.commonName);
  o->set("notBefore", static_cast<Poco::Int64>(e.notBefore));
  o->set("notAfter", static_cast<Poco::Int64>(e.notAfter));
  o->set("issuedAt", static_cast<Poco::Int64>(e.issuedAt));
  if (e.revokedAt)
    o->set("revokedAt", static_cast<Poco::Int64>(*e.revokedAt));
  return o;
}

} // namespace

CaIndex CaIndex::load(const std::string& path) {
  if (!fileExists(path))
    return CaIndex(path);
  return parse(readWholeFile(path, "the CA index", "Check its permissions."), path);
}

CaIndex CaIndex::parse(const std::string& text, const std::string& path) {
  CaIndex index(path);
  try {
    Poco::JSON::Parser parser;
    auto root = parser.parse(text).extract<Poco::JSON::Object::Ptr>();
    if (!root)
      throw Poco::DataFormatException("not a JSON object");
    index.crlNumber_ = integerField(*root, "crlNumber");
    auto certs = root->getArray("certificates");
    if (!certs && root->has("certificates"))
      throw Poco::DataFormatException("certificates is not an array");
    for (size_t i = 0; certs && i < certs->size(); ++i) {
      auto o = certs->getObject(static_cast<unsigned>(i));
      if (!o)
        throw Poco::DataFormatException("certificates[" + std::to_string(i) + "] is not an object");
      index.entries_.push_back(entryFromJson(*o));
    }
  } catch (const Poco::Exception& e) {
    throw CaError("the CA index " + path + " is invalid (" + e.displayText() +
                  "); restore it from a backup: without it, revocations would be lost");
  }
  return index;
}

void CaIndex::save() const {
  Poco::JSON::Object root(Poco::JSON_PRESERVE_KEY_ORDER);
  root.set("version", kIndexVersion);
  root.set("crlNumber", static_cast<Poco::Int64>(crlNumber_));
  Poco::JSON::Array::Ptr certs = new Poco::JSON::Array;
  for (const auto& e : entries_)
    certs->add(entryToJson(e));
  root.set("certificates", certs);
  std::ostringstream out;
  root.stringify(out, 2);
  out << "\n";
  writeFileAtomically(path_, out.str(), 0644);
}

void CaIndex::add(IndexEntry entry) {
  entries_.push_back(std::move(entry));
}

bool CaIndex::revoke(const std::string& name, int64_t when) {
  bool known = false;
  for (auto& e : entries_) {
    if (e.name != name)
      continue;
    known = true;
    if (!e.revokedAt)
      e.revokedAt = when;
  }
  return known;
}

std::vector<IndexEntry> CaIndex::revoked() const {
  std::vector<IndexEntry> out;
  for (const auto& e : entries_) {
    if (e.revokedAt)
      out.push_back(e);
  }
  return out;
}

} // namespace rivet::ca
