// `mesh.channel` (ours): defaults when absent, every key read, range and type errors with
// file:line:col, key and range, the per-address handshake cap within the total, unknown keys
// with a suggestion, and the transport settings JSON (every key, defaults filled).
#include "app/PluginPlan.hpp"
#include "config/ConfigLoader.hpp"

#include <rivet/sdk/json.hpp>

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

using namespace rivet::config;
namespace json = rivet::sdk::json;

namespace {

struct ChannelKey {
  std::string name;
  int64_t defaultValue, min, max;
};

// The documented table (docs/configuration.md, `mesh.channel`), written out independently of
// the reader's own list so that a change to either one shows here.
const std::vector<ChannelKey> kKeys = {
    {"io_threads", 0, 0, 64},
    {"handshake_timeout_ms", 10000, 100, 600000},
    {"head_timeout_ms", 10000, 100, 600000},
    {"body_timeout_ms", 60000, 100, 3600000},
    {"idle_timeout_ms", 10000, 100, 3600000},
    {"write_timeout_ms", 30000, 100, 600000},
    {"max_connections", 16384, 1, 1048576},
    {"max_handshakes", 1024, 1, 1048576},
    {"max_handshakes_per_address", 128, 1, 1048576},
    {"max_header_bytes", 32768, 1024, 1048576},
    {"max_headers", 100, 1, 10000},
    {"max_inflight_body_bytes", 268435456, 10485760, 68719476736},
    {"max_inflight_answer_bytes", 268435456, 67108864, 68719476736},
};

EnvLookup noEnv() {
  return [](const std::string&) { return std::optional<std::string>(); };
}

LoadResult load(const std::string& yaml) {
  return loadConfigText(yaml, "rivet.yaml", noEnv());
}

std::string errorOf(const std::string& yaml) {
  try {
    load(yaml);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "(no error)";
}

// `key: value` alone in mesh.channel, the value at line 3, column 6 + key length.
std::string oneKey(const std::string& key, const std::string& value) {
  return "mesh:\n  channel:\n    " + key + ": " + value + "\n";
}

std::string where(const std::string& key) {
  return "rivet.yaml:3:" + std::to_string(7 + key.size()) + ": mesh.channel." + key + ": ";
}

std::string range(const ChannelKey& k) {
  return "a whole number from " + std::to_string(k.min) + " to " + std::to_string(k.max);
}

int64_t fieldOf(const Channel& c, const std::string& key) {
  if (key == "io_threads")
    return c.ioThreads;
  if (key == "handshake_timeout_ms")
    return c.handshakeTimeoutMs;
  if (key == "head_timeout_ms")
    return c.headTimeoutMs;
  if (key == "body_timeout_ms")
    return c.bodyTimeoutMs;
  if (key == "idle_timeout_ms")
    return c.idleTimeoutMs;
  if (key == "write_timeout_ms")
    return c.writeTimeoutMs;
  if (key == "max_connections")
    return c.maxConnections;
  if (key == "max_handshakes")
    return c.maxHandshakes;
  if (key == "max_handshakes_per_address")
    return c.maxHandshakesPerAddress;
  if (key == "max_header_bytes")
    return c.maxHeaderBytes;
  if (key == "max_headers")
    return c.maxHeaders;
  if (key == "max_inflight_body_bytes")
    return c.maxInflightBodyBytes;
  if (key == "max_inflight_answer_bytes")
    return c.maxInflightAnswerBytes;
  ADD_FAILURE() << "no field for " << key;
  return -1;
}

// Within the range and unlike the default; per-address handshakes stay within the total.
int64_t otherValue(const ChannelKey& k) {
  return k.defaultValue + 1;
}

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

} // namespace

TEST(ConfigChannel, AbsentSectionGivesEveryDefault) {
  for (const char* yaml :
       {"", "mesh:\n  enabled: false\n", "mesh:\n  channel:\n", "mesh:\n  channel: {}\n"}) {
    auto r = load(yaml);
    EXPECT_TRUE(r.warnings.empty()) << yaml;
    for (const auto& k : kKeys)
      EXPECT_EQ(fieldOf(r.config.mesh.channel, k.name), k.defaultValue) << k.name << " in " << yaml;
  }
}

TEST(ConfigChannel, EveryKeyIsReadAndOnlyThatKeyChanges) {
  for (const auto& k : kKeys) {
    auto r = load(oneKey(k.name, std::to_string(otherValue(k))));
    EXPECT_TRUE(r.warnings.empty()) << k.name;
    for (const auto& other : kKeys) {
      int64_t expected = other.name == k.name ? otherValue(k) : other.defaultValue;
      EXPECT_EQ(fieldOf(r.config.mesh.channel, other.name), expected)
          << other.name << " after setting " << k.name;
    }
  }
}

TEST(ConfigChannel, BothEndsOfEveryRangeAreAccepted) {
  for (const auto& k : kKeys) {
    for (int64_t v : {k.min, k.max}) {
      std::string yaml = oneKey(k.name, std::to_string(v));
      if (k.name == "max_handshakes_per_address")
        yaml += "    max_handshakes: 1048576\n";
      if (k.name == "max_handshakes")
        yaml += "    max_handshakes_per_address: 1\n";
      EXPECT_EQ(fieldOf(load(yaml).config.mesh.channel, k.name), v) << k.name;
    }
  }
}

TEST(ConfigChannel, AllKeysTogetherInFlowStyle) {
  auto c = load("mesh:\n  channel: {io_threads: 4, handshake_timeout_ms: 5000, "
                "head_timeout_ms: 6000, body_timeout_ms: 120000, idle_timeout_ms: 30000, "
                "write_timeout_ms: 20000, max_connections: 2000, max_handshakes: 200, "
                "max_handshakes_per_address: 20, max_header_bytes: 16384, max_headers: 50, "
                "max_inflight_body_bytes: 1073741824}\n")
               .config.mesh.channel;
  EXPECT_EQ(c.ioThreads, 4);
  EXPECT_EQ(c.handshakeTimeoutMs, 5000);
  EXPECT_EQ(c.headTimeoutMs, 6000);
  EXPECT_EQ(c.bodyTimeoutMs, 120000);
  EXPECT_EQ(c.idleTimeoutMs, 30000);
  EXPECT_EQ(c.writeTimeoutMs, 20000);
  EXPECT_EQ(c.maxConnections, 2000);
  EXPECT_EQ(c.maxHandshakes, 200);
  EXPECT_EQ(c.maxHandshakesPerAddress, 20);
  EXPECT_EQ(c.maxHeaderBytes, 16384);
  EXPECT_EQ(c.maxHeaders, 50);
  EXPECT_EQ(c.maxInflightBodyBytes, 1073741824);
}

TEST(ConfigChannel, ValuesBelowOrAboveTheRangeNameFileLineKeyAndRange) {
  for (const auto& k : kKeys) {
    for (int64_t v : {k.min - 1, k.max + 1}) {
      std::string e = errorOf(oneKey(k.name, std::to_string(v)));
      EXPECT_EQ(e, where(k.name) + std::to_string(v) + " is out of range: expected " + range(k) +
                       ". Choose a value in that range.");
    }
  }
}

TEST(ConfigChannel, NegativeNumbersAreOutOfRange) {
  EXPECT_EQ(errorOf(oneKey("io_threads", "-1")),
            "rivet.yaml:3:17: mesh.channel.io_threads: -1 is out of range: expected a whole "
            "number from 0 to 64. Choose a value in that range.");
  EXPECT_TRUE(has(errorOf(oneKey("idle_timeout_ms", "-10000")),
                  "mesh.channel.idle_timeout_ms: -10000 is out of range: expected a whole number "
                  "from 100 to 3600000"));
}

TEST(ConfigChannel, WrongTypesNameTheKeyTheRangeAndWhatToWrite) {
  for (const auto& k : kKeys) {
    EXPECT_EQ(errorOf(oneKey(k.name, "ten")), where(k.name) + "expected " + range(k) +
                                                  ", found \"ten\". Write " + range(k) +
                                                  " (digits only).");
  }
  const std::string idle = where("idle_timeout_ms") + "expected a whole number from 100 to 3600000";
  EXPECT_EQ(errorOf(oneKey("idle_timeout_ms", "1.5")),
            idle + ", found \"1.5\". Write a whole number from 100 to 3600000 (digits only).");
  EXPECT_EQ(errorOf(oneKey("idle_timeout_ms", "10s")),
            idle + ", found \"10s\". Write a whole number from 100 to 3600000 (digits only).");
  EXPECT_EQ(errorOf(oneKey("idle_timeout_ms", "\"10000\"")),
            idle + ", found the quoted string \"10000\". Write the number without quotes.");
  EXPECT_EQ(errorOf(oneKey("idle_timeout_ms", "[1, 2]")),
            idle + ", found a list. Write a whole number from 100 to 3600000 (digits only).");
  EXPECT_EQ(errorOf(oneKey("max_inflight_body_bytes", "99999999999999999999")),
            where("max_inflight_body_bytes") +
                "expected a whole number from 10485760 to 68719476736, found "
                "\"99999999999999999999\". Write a whole number from 10485760 to 68719476736 "
                "(digits only).");
}

TEST(ConfigChannel, SectionThatIsNotAMapIsRefused) {
  EXPECT_EQ(errorOf("mesh:\n  channel: 5\n"),
            "rivet.yaml:2:12: mesh.channel: expected a map of settings, found \"5\". Write "
            "channel: with indented keys such as idle_timeout_ms: 10000.");
  EXPECT_TRUE(has(errorOf("mesh:\n  channel: [a]\n"), "mesh.channel: expected a map of settings, "
                                                      "found a list"));
}

TEST(ConfigChannel, PerAddressHandshakesAboveTheTotalAreRefusedNamingBothKeys) {
  EXPECT_EQ(errorOf("mesh:\n  channel:\n    max_handshakes: 100\n"
                    "    max_handshakes_per_address: 200\n"),
            "rivet.yaml:4:33: mesh.channel.max_handshakes_per_address: 200 is greater than "
            "mesh.channel.max_handshakes (100), so it could never apply. Lower "
            "max_handshakes_per_address to at most max_handshakes, or raise max_handshakes.");
  // Against the other's default, the error points at the key that is written.
  EXPECT_TRUE(has(errorOf(oneKey("max_handshakes", "64")),
                  "rivet.yaml:3:21: mesh.channel.max_handshakes_per_address: 128 is greater "
                  "than mesh.channel.max_handshakes (64)"));
  EXPECT_TRUE(has(errorOf(oneKey("max_handshakes_per_address", "2048")),
                  "rivet.yaml:3:33: mesh.channel.max_handshakes_per_address: 2048 is greater "
                  "than mesh.channel.max_handshakes (1024)"));
  // Equal is fine: one address may use every handshake slot.
  auto c = load("mesh:\n  channel: {max_handshakes: 50, max_handshakes_per_address: 50}\n")
               .config.mesh.channel;
  EXPECT_EQ(c.maxHandshakes, 50);
  EXPECT_EQ(c.maxHandshakesPerAddress, 50);
}

TEST(ConfigChannel, UnknownKeyWarnsWithTheNearestKnownKey) {
  auto r = load("mesh:\n  channel:\n    idle_timout_ms: 5000\n    maxHeaders: 10\n");
  ASSERT_EQ(r.warnings.size(), 2u);
  EXPECT_EQ(r.warnings[0], "rivet.yaml:3:5: unknown key mesh.channel.idle_timout_ms (did you mean "
                           "mesh.channel.idle_timeout_ms?)");
  EXPECT_EQ(r.warnings[1], "rivet.yaml:4:5: unknown key mesh.channel.maxHeaders (did you mean "
                           "mesh.channel.max_headers?)");
  EXPECT_EQ(r.config.mesh.channel.idleTimeoutMs, 10000);
  EXPECT_EQ(r.config.mesh.channel.maxHeaders, 100);
}

TEST(ConfigChannel, UnknownKeyFarFromAnyListsTheKnownKeys) {
  auto r = load(oneKey("colour", "red"));
  ASSERT_EQ(r.warnings.size(), 1u);
  std::string known;
  for (const auto& k : kKeys)
    known += (known.empty() ? "" : ", ") + k.name;
  EXPECT_EQ(r.warnings[0], "rivet.yaml:3:5: unknown key mesh.channel.colour is ignored (known "
                           "keys here: " +
                               known + ")");
}

TEST(ConfigChannel, MisspelledSectionNameSuggestsChannel) {
  auto r = load("mesh:\n  chanel: {io_threads: 2}\n");
  ASSERT_EQ(r.warnings.size(), 1u);
  EXPECT_EQ(r.warnings[0], "rivet.yaml:2:3: unknown key mesh.chanel (did you mean mesh.channel?)");
}

TEST(ConfigChannel, DuplicateKeyIsAnError) {
  EXPECT_EQ(errorOf("mesh:\n  channel:\n    max_headers: 10\n    max_headers: 20\n"),
            "rivet.yaml:4:5: mesh.channel.max_headers: duplicate key (already set at line 3). "
            "Keep only one max_headers: entry.");
}

TEST(ConfigChannel, CheckConfigDescriptionListsEveryKeyWithItsValue) {
  std::string d = describeEffective(load(oneKey("max_headers", "42")).config);
  EXPECT_TRUE(has(d, "\n  channel:\n    io_threads: 0\n")) << d;
  for (const auto& k : kKeys) {
    int64_t value = k.name == "max_headers" ? 42 : k.defaultValue;
    EXPECT_TRUE(has(d, "\n    " + k.name + ": " + std::to_string(value) + "\n")) << k.name << d;
  }
}

TEST(ChannelSettingsJson, HoldsEveryKeyWithItsDefaultWhenTheSectionIsAbsent) {
  const std::string text = rivet::app::channelSettingsJson(load("").config.mesh);
  json::Value v = json::parse(text);
  ASSERT_TRUE(v.isObject()) << text;
  ASSERT_EQ(v.members().size(), kKeys.size()) << text;
  for (size_t i = 0; i < kKeys.size(); ++i) {
    EXPECT_EQ(v.members()[i].first, kKeys[i].name) << text; // the documented order
    EXPECT_EQ(v.getInteger(kKeys[i].name), kKeys[i].defaultValue) << kKeys[i].name << text;
  }
  EXPECT_EQ(text.rfind("{\"io_threads\":0,\"handshake_timeout_ms\":10000,", 0), 0u) << text;
}

TEST(ChannelSettingsJson, CarriesConfiguredValuesAndFillsTheRest) {
  auto mesh = load("mesh:\n  channel:\n    io_threads: 8\n    max_inflight_body_bytes: "
                   "68719476736\n    write_timeout_ms: 600000\n")
                  .config.mesh;
  json::Value v = json::parse(rivet::app::channelSettingsJson(mesh));
  ASSERT_EQ(v.members().size(), kKeys.size());
  EXPECT_EQ(v.getInteger("io_threads"), 8);
  EXPECT_EQ(v.getInteger("max_inflight_body_bytes"), int64_t{68719476736});
  EXPECT_EQ(v.getInteger("write_timeout_ms"), 600000);
  EXPECT_EQ(v.getInteger("idle_timeout_ms"), 10000);
  EXPECT_EQ(v.getInteger("max_handshakes_per_address"), 128);
}
