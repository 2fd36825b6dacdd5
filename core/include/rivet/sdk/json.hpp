// Small JSON helpers for plugin authors (the SDK uses only the standard library): a strict
// RFC 8259 parser into a plain value tree, typed look-ups, and a string quoter for writing.
#pragma once

#include <charconv>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace rivet::sdk::json {

/// Thrown by parse() with the byte offset and what was expected there.
class ParseError : public std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// One JSON value. Objects keep their members in document order; a duplicate key keeps the
/// last value, as JavaScript's JSON.parse does.
class Value {
public:
  enum class Type { Null, Bool, Number, String, Array, Object };

  Value() = default;
  static Value boolean(bool b) {
    Value v;
    v.type_ = Type::Bool;
    v.bool_ = b;
    return v;
  }
  static Value number(double d) {
    Value v;
    v.type_ = Type::Number;
    v.number_ = d;
    return v;
  }
  static Value string(std::string s) {
    Value v;
    v.type_ = Type::String;
    v.string_ = std::move(s);
    return v;
  }
  static Value array() {
    Value v;
    v.type_ = Type::Array;
    return v;
  }
  static Value object() {
    Value v;
    v.type_ = Type::Object;
    return v;
  }

  Type type() const { return type_; }
  bool isNull() const { return type_ == Type::Null; }
  bool isBool() const { return type_ == Type::Bool; }
  bool isNumber() const { return type_ == Type::Number; }
  bool isString() const { return type_ == Type::String; }
  bool isArray() const { return type_ == Type::Array; }
  bool isObject() const { return type_ == Type::Object; }

  bool asBool() const { return bool_; }
  double asNumber() const { return number_; }
  const std::string& asString() const { return string_; }
  const std::vector<Value>& items() const { return items_; }
  const std::vector<std::pair<std::string, Value>>& members() const { return members_; }

  /// The member `key` of an object, or nullptr (also when this is not an object).
  const Value* find(std::string_view key) const {
    for (auto it = members_.rbegin(); it != members_.rend(); ++it)
      if (it->first == key)
        return &it->second;
    return nullptr;
  }
  /// A string member, or nullopt when absent or not a string.
  std::optional<std::string> getString(std::string_view key) const {
    const Value* v = find(key);
    return v && v->isString() ? std::optional<std::string>(v->string_) : std::nullopt;
  }
  /// A member that is an integer (no fraction) within int64, or nullopt.
  std::optional<int64_t> getInteger(std::string_view key) const {
    const Value* v = find(key);
    if (!v || !v->isNumber())
      return std::nullopt;
    double d = v->number_;
    if (!(d >= -9.2e18 && d <= 9.2e18) || static_cast<double>(static_cast<int64_t>(d)) != d)
      return std::nullopt;
    return static_cast<int64_t>(d);
  }
  std::optional<bool> getBool(std::string_view key) const {
    const Value* v = find(key);
    return v && v->isBool() ? std::optional<bool>(v->bool_) : std::nullopt;
  }

  void push(Value v) { items_.push_back(std::move(v)); }
  void set(std::string key, Value v) {
    for (auto& m : members_)
      if (m.first == key) {
        m.second = std::move(v);
        return;
      }
    members_.emplace_back(std::move(key), std::move(v));
  }

  /// Compact JSON text.
  std::string dump() const;

  /// Makes this an object of `members` in order; a key given again keeps its first place and
  /// its last value (as set() would, one by one), in linear time however many members.
  void setMembers(std::vector<std::pair<std::string, Value>> members) {
    type_ = Type::Object;
    members_.clear();
    members_.reserve(members.size());
    std::unordered_map<std::string_view, size_t> first; // key -> its place in members_
    first.reserve(members.size());
    for (auto& m : members) {
      auto [it, fresh] = first.emplace(m.first, members_.size());
      if (fresh)
        members_.emplace_back(std::string(m.first), std::move(m.second));
      else
        members_[it->second].second = std::move(m.second);
    }
  }

private:
  Type type_ = Type::Null;
  bool bool_ = false;
  double number_ = 0;
  std::string string_;
  std::vector<Value> items_;
  std::vector<std::pair<std::string, Value>> members_;
};

/// The length of the well-formed UTF-8 sequence starting at s[i] (1 to 4), or 0 when the bytes
/// there are not one (a stray continuation byte, an overlong form, a surrogate, past U+10FFFF,
/// or cut short).
inline size_t utf8SequenceLength(std::string_view s, size_t i) {
  unsigned char c = static_cast<unsigned char>(s[i]);
  if (c < 0x80)
    return 1;
  size_t len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 ? 2 : 0;
  if (len == 0 || c > 0xF4 || i + len > s.size())
    return 0;
  for (size_t k = 1; k < len; ++k)
    if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80)
      return 0;
  unsigned char c1 = static_cast<unsigned char>(s[i + 1]);
  if (len == 3 && ((c == 0xE0 && c1 < 0xA0) || (c == 0xED && c1 >= 0xA0)))
    return 0; // overlong, or a UTF-16 surrogate
  if (len == 4 && ((c == 0xF0 && c1 < 0x90) || (c == 0xF4 && c1 >= 0x90)))
    return 0; // overlong, or past U+10FFFF
  return len;
}

/// Appends `s` as a JSON string literal (quotes included) to `out`. Control characters are
/// escaped; invalid UTF-8 bytes are replaced by U+FFFD, so the output is always valid JSON.
inline void appendQuoted(std::string& out, std::string_view s) {
  static const char* hex = "0123456789abcdef";
  out += '"';
  for (size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      default:
        if (c < 0x20) {
          out += "\\u00";
          out += hex[c >> 4];
          out += hex[c & 0xf];
        } else {
          out += static_cast<char>(c);
        }
      }
      ++i;
      continue;
    }
    // A well-formed multi-byte sequence is copied; anything else becomes U+FFFD.
    size_t len = utf8SequenceLength(s, i);
    bool ok = len > 0;
    if (ok) {
      out.append(s.substr(i, len));
      i += len;
    } else {
      out += "\xEF\xBF\xBD";
      ++i;
    }
  }
  out += '"';
}

inline std::string quoted(std::string_view s) {
  std::string out;
  appendQuoted(out, s);
  return out;
}

namespace detail {

class Parser {
public:
  explicit Parser(std::string_view text) : s_(text) {}

  Value document() {
    Value v = value(0);
    space();
    if (i_ != s_.size())
      fail("unexpected text after the JSON value");
    return v;
  }

private:
  static constexpr int kMaxDepth = 128;

  [[noreturn]] void fail(const std::string& what) const {
    throw ParseError("invalid JSON at byte " + std::to_string(i_) + ": " + what);
  }
  void space() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r'))
      ++i_;
  }
  bool literal(std::string_view word) {
    if (s_.substr(i_, word.size()) != word)
      return false;
    i_ += word.size();
    return true;
  }

  Value value(int depth) {
    if (depth > kMaxDepth)
      fail("nested more than " + std::to_string(kMaxDepth) + " levels deep");
    space();
    if (i_ >= s_.size())
      fail("the text ends where a value was expected");
    char c = s_[i_];
    if (c == '{')
      return object(depth);
    if (c == '[')
      return array(depth);
    if (c == '"')
      return Value::string(string());
    if (literal("true"))
      return Value::boolean(true);
    if (literal("false"))
      return Value::boolean(false);
    if (literal("null"))
      return Value();
    if (c == '-' || (c >= '0' && c <= '9'))
      return number();
    fail("expected a value");
  }

  Value object(int depth) {
    Value v = Value::object();
    ++i_; // {
    space();
    if (i_ < s_.size() && s_[i_] == '}') {
      ++i_;
      return v;
    }
    std::vector<std::pair<std::string, Value>> members;
    for (;;) {
      space();
      if (i_ >= s_.size() || s_[i_] != '"')
        fail("expected a member name in double quotes");
      std::string key = string();
      space();
      if (i_ >= s_.size() || s_[i_] != ':')
        fail("expected ':' after a member name");
      ++i_;
      members.emplace_back(std::move(key), value(depth + 1));
      space();
      if (i_ < s_.size() && s_[i_] == ',') {
        ++i_;
        continue;
      }
      if (i_ < s_.size() && s_[i_] == '}') {
        ++i_;
        v.setMembers(std::move(members)); // duplicates once, at the end: linear
        return v;
      }
      fail("expected ',' or '}' in an object");
    }
  }

  Value array(int depth) {
    Value v = Value::array();
    ++i_; // [
    space();
    if (i_ < s_.size() && s_[i_] == ']') {
      ++i_;
      return v;
    }
    for (;;) {
      v.push(value(depth + 1));
      space();
      if (i_ < s_.size() && s_[i_] == ',') {
        ++i_;
        continue;
      }
      if (i_ < s_.size() && s_[i_] == ']') {
        ++i_;
        return v;
      }
      fail("expected ',' or ']' in an array");
    }
  }

  Value number() {
    size_t start = i_;
    if (s_[i_] == '-')
      ++i_;
    if (i_ < s_.size() && s_[i_] == '0') {
      ++i_;
    } else if (i_ < s_.size() && s_[i_] >= '1' && s_[i_] <= '9') {
      while (i_ < s_.size() && s_[i_] >= '0' && s_[i_] <= '9')
        ++i_;
    } else {
      fail("expected a digit");
    }
    if (i_ < s_.size() && s_[i_] == '.') {
      ++i_;
      if (i_ >= s_.size() || s_[i_] < '0' || s_[i_] > '9')
        fail("expected a digit after '.'");
      while (i_ < s_.size() && s_[i_] >= '0' && s_[i_] <= '9')
        ++i_;
    }
    if (i_ < s_.size() && (s_[i_] == 'e' || s_[i_] == 'E')) {
      ++i_;
      if (i_ < s_.size() && (s_[i_] == '+' || s_[i_] == '-'))
        ++i_;
      if (i_ >= s_.size() || s_[i_] < '0' || s_[i_] > '9')
        fail("expected a digit in the exponent");
      while (i_ < s_.size() && s_[i_] >= '0' && s_[i_] <= '9')
        ++i_;
    }
    double d = 0;
    auto r = std::from_chars(s_.data() + start, s_.data() + i_, d);
    if (r.ec == std::errc::result_out_of_range) // too large or too small for a double
      d = s_[start] == '-' ? -1e308 * 10 : 1e308 * 10;
    else if (r.ec != std::errc())
      fail("unreadable number");
    return Value::number(d);
  }

  unsigned hex4() {
    if (i_ + 4 > s_.size())
      fail("the text ends inside a \\u escape");
    unsigned v = 0;
    for (int k = 0; k < 4; ++k) {
      char c = s_[i_++];
      v <<= 4;
      if (c >= '0' && c <= '9')
        v |= static_cast<unsigned>(c - '0');
      else if (c >= 'a' && c <= 'f')
        v |= static_cast<unsigned>(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F')
        v |= static_cast<unsigned>(c - 'A' + 10);
      else
        fail("expected four hex digits after \\u");
    }
    return v;
  }

  static void utf8(std::string& out, unsigned cp) {
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xC0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xE0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (cp >> 18));
      out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }

  // A string literal; invalid UTF-8 and lone surrogates are refused.
  std::string string() {
    std::string out;
    ++i_; // "
    for (;;) {
      if (i_ >= s_.size())
        fail("the text ends inside a string");
      unsigned char c = static_cast<unsigned char>(s_[i_]);
      if (c == '"') {
        ++i_;
        return out;
      }
      if (c < 0x20)
        fail("a control character inside a string must be escaped");
      if (c == '\\') {
        ++i_;
        if (i_ >= s_.size())
          fail("the text ends inside an escape");
        char e = s_[i_++];
        switch (e) {
        case '"':
        case '\\':
        case '/':
          out += e;
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'n':
          out += '\n';
          break;
        case 'r':
          out += '\r';
          break;
        case 't':
          out += '\t';
          break;
        case 'u': {
          unsigned cp = hex4();
          if (cp >= 0xD800 && cp <= 0xDBFF) {
            if (s_.substr(i_, 2) != "\\u")
              fail("a high surrogate \\u escape without its low half");
            i_ += 2;
            unsigned low = hex4();
            if (low < 0xDC00 || low > 0xDFFF)
              fail("a high surrogate \\u escape without its low half");
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
          } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
            fail("a lone low surrogate \\u escape");
          }
          utf8(out, cp);
          break;
        }
        default:
          fail(std::string("unknown escape \\") + e);
        }
        continue;
      }
      if (c < 0x80) {
        out += static_cast<char>(c);
        ++i_;
        continue;
      }
      size_t len = utf8SequenceLength(s_, i_);
      if (len == 0)
        fail("invalid UTF-8 inside a string");
      out.append(s_.substr(i_, len));
      i_ += len;
    }
  }

  std::string_view s_;
  size_t i_ = 0;
};

inline void dumpTo(std::string& out, const Value& v) {
  switch (v.type()) {
  case Value::Type::Null:
    out += "null";
    break;
  case Value::Type::Bool:
    out += v.asBool() ? "true" : "false";
    break;
  case Value::Type::Number: {
    double d = v.asNumber();
    if (d != d || d > 1.7976931348623157e308 || d < -1.7976931348623157e308) {
      out += "null"; // NaN and infinities have no JSON form
    } else if (d > -9e15 && d < 9e15 && d == static_cast<double>(static_cast<int64_t>(d))) {
      out += std::to_string(static_cast<int64_t>(d));
    } else {
      char buf[32];
      auto r = std::to_chars(buf, buf + sizeof buf, d);
      out.append(buf, r.ptr);
    }
    break;
  }
  case Value::Type::String:
    appendQuoted(out, v.asString());
    break;
  case Value::Type::Array: {
    out += '[';
    bool first = true;
    for (const auto& item : v.items()) {
      if (!first)
        out += ',';
      first = false;
      dumpTo(out, item);
    }
    out += ']';
    break;
  }
  case Value::Type::Object: {
    out += '{';
    bool first = true;
    for (const auto& [key, item] : v.members()) {
      if (!first)
        out += ',';
      first = false;
      appendQuoted(out, key);
      out += ':';
      dumpTo(out, item);
    }
    out += '}';
    break;
  }
  }
}

} // namespace detail

inline std::string Value::dump() const {
  std::string out;
  detail::dumpTo(out, *this);
  return out;
}

/// Parses a whole JSON text (any value at top level). Throws ParseError naming the byte offset.
/// Strings must be valid UTF-8; nesting deeper than 128 levels is refused.
inline Value parse(std::string_view text) {
  return detail::Parser(text).document();
}

/// parse(), or nullopt instead of an exception.
inline std::optional<Value> tryParse(std::string_view text) {
  try {
    return parse(text);
  } catch (const ParseError&) {
    return std::nullopt;
  }
}

} // namespace rivet::sdk::json
