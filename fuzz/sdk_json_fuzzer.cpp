// libFuzzer target: the SDK's JSON parser (rivet/sdk/json.hpp), which plugins run on what
// models and hosts send. Parse or ParseError; what parses dumps to a text that parses back.
#include "rivet/sdk/json.hpp"

#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

namespace json = rivet::sdk::json;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  std::optional<json::Value> v;
  try {
    v = json::parse(text);
  } catch (const json::ParseError&) {
    if (json::tryParse(text))
      std::abort(); // parse and tryParse agree
    return 0;
  }
  std::string dumped = v->dump();
  auto again = json::tryParse(dumped);
  if (!again || again->dump() != dumped)
    std::abort(); // dump(parse(dump(x))) == dump(x)
  (void)json::quoted(text);
  return 0;
}
