// RapidJSON's RemoveMember moves the last member into the hole; EraseMember keeps the order,
// which is what a file shared with RivetOS needs.
#include "registry/JsonMembers.hpp"

#include <cmath>

namespace rivet::registry::json {
namespace {

rapidjson::Value keyRef(std::string_view key) {
  return rapidjson::Value(
      rapidjson::StringRef(key.data(), static_cast<rapidjson::SizeType>(key.size())));
}

} // namespace

const rapidjson::Value* member(const rapidjson::Value& object, std::string_view key) {
  if (!object.IsObject())
    return nullptr;
  auto it = object.FindMember(keyRef(key));
  return it == object.MemberEnd() ? nullptr : &it->value;
}

rapidjson::Value* member(rapidjson::Value& object, std::string_view key) {
  if (!object.IsObject())
    return nullptr;
  auto it = object.FindMember(keyRef(key));
  return it == object.MemberEnd() ? nullptr : &it->value;
}

std::string string(const rapidjson::Value& object, std::string_view key,
                   const std::string& fallback) {
  const rapidjson::Value* v = member(object, key);
  if (!v || !v->IsString())
    return fallback;
  return std::string(v->GetString(), v->GetStringLength());
}

std::optional<int64_t> integer(const rapidjson::Value& object, std::string_view key) {
  const rapidjson::Value* v = member(object, key);
  if (!v || !v->IsNumber())
    return std::nullopt;
  if (v->IsInt64())
    return v->GetInt64();
  double d = v->GetDouble();
  if (!std::isfinite(d) || std::fabs(d) > 9.0e18 || d != std::floor(d))
    return std::nullopt;
  return static_cast<int64_t>(d);
}

void set(rapidjson::Value& object, std::string_view key, rapidjson::Value&& value, Allocator& a) {
  if (rapidjson::Value* existing = member(object, key)) {
    *existing = std::move(value);
    return;
  }
  rapidjson::Value name(key.data(), static_cast<rapidjson::SizeType>(key.size()), a);
  object.AddMember(name, value, a);
}

void setString(rapidjson::Value& object, std::string_view key, std::string_view value,
               Allocator& a) {
  set(object, key,
      rapidjson::Value(value.data(), static_cast<rapidjson::SizeType>(value.size()), a), a);
}

void setInteger(rapidjson::Value& object, std::string_view key, int64_t value, Allocator& a) {
  set(object, key, rapidjson::Value(value), a);
}

bool erase(rapidjson::Value& object, std::string_view key) {
  if (!object.IsObject())
    return false;
  auto it = object.FindMember(keyRef(key));
  if (it == object.MemberEnd())
    return false;
  object.EraseMember(it);
  return true;
}

} // namespace rivet::registry::json
