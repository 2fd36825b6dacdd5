// libFuzzer target: the mesh.json codec (RegistryFile over JsonCodec). A text is refused with a
// RegistryError or parsed; what is parsed serializes to a text that parses to the same document.
// Numbers are compared as doubles within a few units in the last place: the reader avoids
// RapidJSON 1.1.0's full-precision path (out of bounds on crafted numbers), whose rounding is
// exact, so a double written and read again may move by an ulp.
#include "registry/JsonCodec.hpp"
#include "registry/RegistryError.hpp"
#include "registry/RegistryFile.hpp"

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

using rivet::registry::RegistryError;
using rivet::registry::RegistryFile;

namespace {

bool close(double a, double b) {
  if (a == b)
    return true;
  double scale = std::fabs(a) > std::fabs(b) ? std::fabs(a) : std::fabs(b);
  return std::fabs(a - b) <= scale * 1e-14;
}

// The same document: same kinds, keys in the same order, same strings, numbers close().
bool same(const rapidjson::Value& a, const rapidjson::Value& b) {
  if (a.IsNumber() && b.IsNumber())
    return close(a.GetDouble(), b.GetDouble());
  if (a.GetType() != b.GetType())
    return false;
  if (a.IsString())
    return a.GetStringLength() == b.GetStringLength() &&
           std::string_view(a.GetString(), a.GetStringLength()) ==
               std::string_view(b.GetString(), b.GetStringLength());
  if (a.IsArray()) {
    if (a.Size() != b.Size())
      return false;
    for (rapidjson::SizeType i = 0; i < a.Size(); ++i)
      if (!same(a[i], b[i]))
        return false;
    return true;
  }
  if (a.IsObject()) {
    if (a.MemberCount() != b.MemberCount())
      return false;
    for (auto x = a.MemberBegin(), y = b.MemberBegin(); x != a.MemberEnd(); ++x, ++y)
      if (!same(x->name, y->name) || !same(x->value, y->value))
        return false;
    return true;
  }
  return a == b; // null, true, false
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);

  rapidjson::Document doc;
  std::string error;
  if (rivet::registry::parseJson(text, doc, error)) {
    std::string compact = rivet::registry::stringifyJson(doc, 0);
    rapidjson::Document again;
    if (!rivet::registry::parseJson(compact, again, error))
      std::abort(); // our own output must parse
    (void)rivet::registry::stringifyJson(again, 2);
  }

  try {
    auto registry = RegistryFile::parse(text, "/fuzz/mesh.json");
    std::string out = RegistryFile::serialize(registry);
    auto reread = RegistryFile::parse(out, "/fuzz/mesh.json");
    std::string again = RegistryFile::serialize(reread);
    rapidjson::Document first, second;
    std::string e1, e2;
    if (!rivet::registry::parseJson(out, first, e1) ||
        !rivet::registry::parseJson(again, second, e2) || !same(first, second))
      std::abort(); // serialize(parse(x)) is a fixed point, numbers up to an ulp
  } catch (const RegistryError&) {
  }
  return 0;
}
