// libFuzzer target: the mesh.json codec (RegistryFile over JsonCodec). A text is refused with a
// RegistryError or parsed; what is parsed serializes to a text that parses to the same text.
#include "registry/JsonCodec.hpp"
#include "registry/RegistryError.hpp"
#include "registry/RegistryFile.hpp"

#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

using rivet::registry::RegistryError;
using rivet::registry::RegistryFile;

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
    if (RegistryFile::serialize(reread) != out)
      std::abort(); // serialize(parse(x)) is a fixed point
  } catch (const RegistryError&) {
  }
  return 0;
}
