// Writing JSON text by hand on hot paths: a quoted, escaped string appended to a buffer.
#pragma once

#include <string>
#include <string_view>

namespace rivet::util {

// Appends `s` as a JSON string literal (with quotes) to `out`, escaped as JavaScript's
// JSON.stringify escapes it (so files we share with RivetOS read the same).
void appendJsonString(std::string& out, std::string_view s);
std::string jsonString(std::string_view s);
// Appends `,"name":"value"` (a member after the first of an object written by hand).
void appendJsonField(std::string& out, std::string_view name, std::string_view value);

// The first `maxChars` UTF-8 characters of `s` (never cuts a character in half).
std::string_view utf8Prefix(std::string_view s, size_t maxChars);
// At most `maxBytes` bytes of `s`, cut before a character that would not fit whole.
std::string_view utf8Bytes(std::string_view s, size_t maxBytes);

} // namespace rivet::util
