// Parsing guards the nesting depth first (one cheap pass); writing follows ECMAScript's
// JSON.stringify and Number::toString rules, so a RivetOS file round-trips unchanged.
#include "registry/JsonCodec.hpp"

#include "util/JsonText.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>

#include <rapidjson/error/en.h>

namespace rivet::registry {
namespace {

// The deepest nesting of objects and arrays, counted outside strings; stops past `limit`.
int nestingDepth(std::string_view text, int limit) {
  int depth = 0, deepest = 0;
  bool inString = false, escaped = false;
  for (char c : text) {
    if (inString) {
      if (escaped)
        escaped = false;
      else if (c == '\\')
        escaped = true;
      else if (c == '"')
        inString = false;
    } else if (c == '"') {
      inString = true;
    } else if (c == '{' || c == '[') {
      deepest = std::max(deepest, ++depth);
      if (deepest > limit)
        return deepest;
    } else if (c == '}' || c == ']') {
      --depth;
    }
  }
  return deepest;
}

void appendString(std::string& out, const char* s, size_t n) {
  util::appendJsonString(out, std::string_view(s, n));
}

template <typename T> void appendInteger(std::string& out, T v) {
  char buf[24];
  auto end = std::to_chars(buf, buf + sizeof buf, v).ptr;
  out.append(buf, end);
}

// Number::toString: the shortest digits that round-trip, placed as ECMAScript places them.
void appendDouble(std::string& out, double d) {
  if (!std::isfinite(d)) {
    out += "null";
    return;
  }
  if (d == 0) {
    out += '0'; // also -0
    return;
  }
  if (d < 0)
    out += '-';
  char buf[40];
  auto end = std::to_chars(buf, buf + sizeof buf, std::fabs(d), std::chars_format::scientific).ptr;
  std::string_view sci(buf, static_cast<size_t>(end - buf)); // "1.2345e+20"
  size_t e = sci.find('e');
  std::string digits;
  for (char c : sci.substr(0, e))
    if (c != '.')
      digits += c;
  int k = static_cast<int>(digits.size());
  int n = std::atoi(std::string(sci.substr(e + 1)).c_str()) + 1; // the decimal point's place
  if (k <= n && n <= 21) {
    out += digits;
    out.append(static_cast<size_t>(n - k), '0');
  } else if (0 < n && n <= 21) {
    out.append(digits, 0, static_cast<size_t>(n));
    out += '.';
    out.append(digits, static_cast<size_t>(n));
  } else if (-6 < n && n <= 0) {
    out += "0.";
    out.append(static_cast<size_t>(-n), '0');
    out += digits;
  } else {
    out += digits[0];
    if (k > 1) {
      out += '.';
      out.append(digits, 1);
    }
    out += n - 1 >= 0 ? "e+" : "e-";
    appendInteger(out, std::abs(n - 1));
  }
}

void newline(std::string& out, int indent, int depth) {
  out += '\n';
  out.append(static_cast<size_t>(indent * depth), ' ');
}

void appendValue(std::string& out, const rapidjson::Value& v, int indent, int depth) {
  switch (v.GetType()) {
  case rapidjson::kNullType:
    out += "null";
    break;
  case rapidjson::kFalseType:
    out += "false";
    break;
  case rapidjson::kTrueType:
    out += "true";
    break;
  case rapidjson::kStringType:
    appendString(out, v.GetString(), v.GetStringLength());
    break;
  case rapidjson::kNumberType:
    if (v.IsInt64())
      appendInteger(out, v.GetInt64());
    else if (v.IsUint64())
      appendInteger(out, v.GetUint64());
    else
      appendDouble(out, v.GetDouble());
    break;
  case rapidjson::kObjectType: {
    if (v.MemberCount() == 0) {
      out += "{}";
      break;
    }
    out += '{';
    bool first = true;
    for (const auto& m : v.GetObject()) {
      if (!first)
        out += ',';
      first = false;
      if (indent > 0)
        newline(out, indent, depth + 1);
      appendString(out, m.name.GetString(), m.name.GetStringLength());
      out += indent > 0 ? ": " : ":";
      appendValue(out, m.value, indent, depth + 1);
    }
    if (indent > 0)
      newline(out, indent, depth);
    out += '}';
    break;
  }
  case rapidjson::kArrayType: {
    if (v.Empty()) {
      out += "[]";
      break;
    }
    out += '[';
    bool first = true;
    for (const auto& item : v.GetArray()) {
      if (!first)
        out += ',';
      first = false;
      if (indent > 0)
        newline(out, indent, depth + 1);
      appendValue(out, item, indent, depth + 1);
    }
    if (indent > 0)
      newline(out, indent, depth);
    out += ']';
    break;
  }
  }
}

} // namespace

bool parseJson(std::string_view text, rapidjson::Document& doc, std::string& error) {
  if (nestingDepth(text, kMaxJsonDepth) > kMaxJsonDepth) {
    error = "nested deeper than " + std::to_string(kMaxJsonDepth) + " levels";
    return false;
  }
  // Invalid UTF-8 is refused, never stored: the file is shared, and JSON is UTF-8 (RFC 8259).
  // No kParseFullPrecisionFlag: RapidJSON 1.1.0's full-precision path reads past a table on a
  // long mantissa (found by fuzzing); integers, all the registry has, are exact without it.
  doc.Parse<rapidjson::kParseValidateEncodingFlag>(text.data(), text.size());
  if (!doc.HasParseError())
    return true;
  error = doc.GetParseError() == rapidjson::kParseErrorStringInvalidEncoding
              ? std::string("invalid UTF-8 in a string")
              : std::string(rapidjson::GetParseError_En(doc.GetParseError()));
  error += " (at byte " + std::to_string(doc.GetErrorOffset()) + ")";
  return false;
}

std::string stringifyJson(const rapidjson::Value& value, int indent) {
  std::string out;
  appendJson(out, value, indent);
  return out;
}

void appendJson(std::string& out, const rapidjson::Value& value, int indent) {
  appendValue(out, value, indent, 0);
}

} // namespace rivet::registry
