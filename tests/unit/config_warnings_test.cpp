// Warnings (not errors): unknown keys with the nearest known key, mesh.secret (RivetOS's exact
// text), and delegation_transport: postgres.
#include "config/ConfigLoader.hpp"
#include "config/NearestKey.hpp"

#include <gtest/gtest.h>

using namespace rivet::config;

namespace {

LoadResult load(const std::string& yaml) {
  return loadConfigText(yaml, "rivet.yaml",
                        [](const std::string&) { return std::optional<std::string>(); });
}

} // namespace

TEST(ConfigWarnings, UnknownMeshKeyWarnsWithSuggestion) {
  auto r = load("mesh:\n  enabled: false\n  # comment\n  hearbeat_interval_ms: 100\n");
  ASSERT_EQ(r.warnings.size(), 1u);
  EXPECT_EQ(r.warnings[0], "rivet.yaml:4:3: unknown key mesh.hearbeat_interval_ms (did you mean "
                           "mesh.heartbeat_interval_ms?)");
  EXPECT_EQ(r.config.mesh.heartbeatIntervalMs, 30000);
}

TEST(ConfigWarnings, UnknownKeysWarnInEverySection) {
  auto r = load("mseh: {}\n"
                "plugins: {dirr: x}\n"
                "log: {levle: info}\n"
                "mesh:\n"
                "  tls: {ca_pth: x}\n"
                "  discovery: {mode: seed, seedHost: a, seed_host: b}\n"
                "  peers:\n    - {name: b, host: h, prot: 1}\n");
  ASSERT_EQ(r.warnings.size(), 6u);
  EXPECT_EQ(r.warnings[0], "rivet.yaml:1:1: unknown key mseh (did you mean mesh?)");
  EXPECT_EQ(r.warnings[1], "rivet.yaml:2:11: unknown key plugins.dirr (did you mean plugins.dir?)");
  EXPECT_EQ(r.warnings[2], "rivet.yaml:3:7: unknown key log.levle (did you mean log.level?)");
  EXPECT_EQ(r.warnings[3], "rivet.yaml:5:9: unknown key mesh.tls.ca_pth (did you mean "
                           "mesh.tls.ca_path?)");
  EXPECT_EQ(r.warnings[4], "rivet.yaml:6:27: unknown key mesh.discovery.seedHost (did you mean "
                           "mesh.discovery.seed_host?)");
  EXPECT_EQ(r.warnings[5], "rivet.yaml:8:26: unknown key mesh.peers[0].prot (did you mean "
                           "mesh.peers[0].port?)");
}

TEST(ConfigWarnings, UnknownKeyFarFromAnyListsKnownKeys) {
  auto r = load("log:\n  colour: red\n");
  ASSERT_EQ(r.warnings.size(), 1u);
  EXPECT_EQ(r.warnings[0], "rivet.yaml:2:3: unknown key log.colour is ignored (known keys here: "
                           "level, format, file, task_text)");
}

TEST(ConfigWarnings, SecretIsAcceptedWithRivetOsWarning) {
  auto r = load("mesh:\n  secret: hunter2\n");
  ASSERT_EQ(r.warnings.size(), 1u);
  EXPECT_EQ(r.warnings[0], "mesh.secret is ignored — agent-channel authentication is mTLS only. "
                           "Remove this key from your config.");
}

TEST(ConfigWarnings, PostgresDelegationWarnsAndUsesHttp) {
  auto r = load("mesh:\n  delegation_transport: postgres\n");
  ASSERT_EQ(r.warnings.size(), 1u);
  EXPECT_NE(r.warnings[0].find("rivet.yaml:2:25: mesh.delegation_transport: postgres"),
            std::string::npos)
      << r.warnings[0];
  EXPECT_NE(r.warnings[0].find("always delegates over http"), std::string::npos);
  EXPECT_EQ(r.config.mesh.delegationTransport, "http");
}

TEST(ConfigWarnings, CleanConfigHasNoWarnings) {
  EXPECT_TRUE(load("mesh:\n  enabled: false\nagents:\n  echo: {plugin: echo}\n").warnings.empty());
}

TEST(NearestKey, SuggestsTyposTranspositionsAndCamelCase) {
  std::vector<std::string> known = {"seed_host", "seed_port", "mode", "mdns_service"};
  EXPECT_EQ(nearestKey("seed_hots", known), "seed_host");
  EXPECT_EQ(nearestKey("seedPort", known), "seed_port");
  EXPECT_EQ(nearestKey("mdoe", known), "mode");
  EXPECT_EQ(nearestKey("banana", known), "");
}

TEST(NearestKey, EditDistanceCountsAdjacentSwapAsOne) {
  EXPECT_EQ(editDistance("tls", "tsl"), 1u);
  EXPECT_EQ(editDistance("", "abc"), 3u);
  EXPECT_EQ(editDistance("kitten", "sitting"), 3u);
}
