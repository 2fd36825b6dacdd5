// JSON string escaping and UTF-8-safe truncation.
#include "util/JsonText.hpp"

#include "rivet/sdk/json.hpp"

namespace rivet::util {

// The SDK's quoter: control characters escaped as JSON.stringify does, and invalid UTF-8 (from
// a hand-edited or foreign mesh.json, say) replaced by U+FFFD so that the output stays JSON.
void appendJsonString(std::string& out, std::string_view s) {
  out.reserve(out.size() + s.size() + 2);
  sdk::json::appendQuoted(out, s);
}

std::string jsonString(std::string_view s) {
  std::string out;
  appendJsonString(out, s);
  return out;
}

std::string_view utf8Prefix(std::string_view s, size_t maxChars) {
  size_t chars = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) {
      if (chars == maxChars)
        return s.substr(0, i);
      ++chars;
    }
  }
  return s;
}

std::string_view utf8Bytes(std::string_view s, size_t maxBytes) {
  if (s.size() <= maxBytes)
    return s;
  size_t cut = maxBytes;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80)
    --cut; // s[cut] continues a character: cut before the character
  return s.substr(0, cut);
}

void appendJsonField(std::string& out, std::string_view name, std::string_view value) {
  out += ",\"";
  out += name;
  out += "\":";
  appendJsonString(out, value);
}

} // namespace rivet::util
