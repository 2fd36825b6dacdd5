// JSON text in and out for the registry: RapidJSON parsing (order and unknown keys kept) and a
// writer whose output is byte-for-byte what RivetOS's JSON.stringify(value, null, indent) gives.
#pragma once

#include <string>
#include <string_view>

#include <rapidjson/document.h>

namespace rivet::registry {

// Deeper documents are refused, so neither the parser nor the writer can exhaust the stack.
constexpr int kMaxJsonDepth = 128;

// Parses `text` into `doc`; on failure returns false and sets `error` to what and where
// (byte offset), e.g. "unexpected end of the text at byte 1204". Invalid UTF-8 is an error.
bool parseJson(std::string_view text, rapidjson::Document& doc, std::string& error);

// JSON.stringify(value, null, indent): indent 0 is compact, 2 is RivetOS's mesh.json layout.
std::string stringifyJson(const rapidjson::Value& value, int indent = 0);
void appendJson(std::string& out, const rapidjson::Value& value, int indent = 0);

} // namespace rivet::registry
