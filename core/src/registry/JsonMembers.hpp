// Reading and setting one member of a RapidJSON object without disturbing the others: a set
// replaces the value where it stands, so key order (and every unknown key) is kept.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <rapidjson/document.h>

namespace rivet::registry::json {

using Allocator = rapidjson::Document::AllocatorType;

// nullptr when `object` is not an object or has no such key.
const rapidjson::Value* member(const rapidjson::Value& object, std::string_view key);
rapidjson::Value* member(rapidjson::Value& object, std::string_view key);

// The member as a string; `fallback` when absent or not a string.
std::string string(const rapidjson::Value& object, std::string_view key,
                   const std::string& fallback = "");
// The member as an integer (an integral double counts); nullopt when absent or not a number.
std::optional<int64_t> integer(const rapidjson::Value& object, std::string_view key);

// Replaces the member's value in place, or appends the member when absent.
void set(rapidjson::Value& object, std::string_view key, rapidjson::Value&& value, Allocator& a);
void setString(rapidjson::Value& object, std::string_view key, std::string_view value,
               Allocator& a);
void setInteger(rapidjson::Value& object, std::string_view key, int64_t value, Allocator& a);
// Removes the member keeping the order of the others; false when it was absent.
bool erase(rapidjson::Value& object, std::string_view key);

} // namespace rivet::registry::json
