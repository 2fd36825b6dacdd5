// Configuration type and range checks: every wrong value names file, 1-based line:col, the key
// path, what was found and what is expected.
#include "config/ConfigLoader.hpp"

#include <gtest/gtest.h>

using namespace rivet::config;

namespace {

EnvLookup noEnv() {
  return [](const std::string&) { return std::optional<std::string>(); };
}

std::string errorOf(const std::string& yaml) {
  try {
    loadConfigText(yaml, "rivet.yaml", noEnv());
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "(no error)";
}

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

} // namespace

TEST(ConfigTypes, RejectsNonNumericPortWithPositionPathFoundAndExpected) {
  EXPECT_EQ(errorOf("mesh:\n  agent_channel_port: abc\n"),
            "rivet.yaml:2:23: mesh.agent_channel_port: expected a whole number from 1 to 65535, "
            "found \"abc\". Write a whole number from 1 to 65535 (digits only).");
}

TEST(ConfigTypes, ErrorIsOneLine) {
  EXPECT_FALSE(has(errorOf("mesh:\n  agent_channel_port: [1, 2]\n"), "\n"));
}

TEST(ConfigTypes, RejectsPortOutOfRange) {
  std::string e = errorOf("mesh:\n  agent_channel_port: 70000\n");
  EXPECT_TRUE(has(e, "rivet.yaml:2:23: mesh.agent_channel_port: 70000 is out of range")) << e;
  EXPECT_TRUE(has(e, "from 1 to 65535")) << e;
  EXPECT_TRUE(has(errorOf("mesh:\n  agent_channel_port: 0\n"), "out of range"));
}

TEST(ConfigTypes, RejectsQuotedNumberAndSaysToRemoveQuotes) {
  std::string e = errorOf("mesh:\n  agent_channel_port: \"3000\"\n");
  EXPECT_TRUE(has(e, "found the quoted string \"3000\"")) << e;
  EXPECT_TRUE(has(e, "without quotes")) << e;
}

TEST(ConfigTypes, RejectsFractionalNumber) {
  std::string e = errorOf("mesh:\n  heartbeat_interval_ms: 1.5\n");
  EXPECT_TRUE(has(e, "mesh.heartbeat_interval_ms: expected a positive whole number")) << e;
}

TEST(ConfigTypes, RejectsNonPositiveHeartbeat) {
  std::string e = errorOf("mesh:\n  heartbeat_interval_ms: 0\n");
  EXPECT_TRUE(has(e, "rivet.yaml:2:26: mesh.heartbeat_interval_ms: 0 is out of range")) << e;
  EXPECT_TRUE(has(errorOf("mesh:\n  heartbeat_interval_ms: -5\n"), "out of range"));
}

TEST(ConfigTypes, RejectsStaleThresholdNotAboveHeartbeat) {
  std::string e = errorOf("mesh:\n  heartbeat_interval_ms: 1000\n  stale_threshold_ms: 1000\n");
  EXPECT_TRUE(has(e, "rivet.yaml:3:23: mesh.stale_threshold_ms: 1000 must be greater than "
                     "mesh.heartbeat_interval_ms (1000)"))
      << e;
}

TEST(ConfigTypes, RejectsHeartbeatAboveDefaultStaleThreshold) {
  std::string e = errorOf("mesh:\n  heartbeat_interval_ms: 100000\n");
  EXPECT_TRUE(has(e, "rivet.yaml:2:26: mesh.stale_threshold_ms: 90000 must be greater")) << e;
}

TEST(ConfigTypes, RejectsMaxChainDepthBelowOne) {
  std::string e = errorOf("mesh:\n  max_chain_depth: 0\n");
  EXPECT_TRUE(has(e, "mesh.max_chain_depth: 0 is out of range")) << e;
}

TEST(ConfigTypes, RejectsAgentWorkersOutOfRange) {
  EXPECT_TRUE(has(errorOf("mesh:\n  agent_workers: 0\n"), "mesh.agent_workers: 0 is out of range"));
  std::string e = errorOf("mesh:\n  agent_workers: 5000\n");
  EXPECT_TRUE(has(e, "mesh.agent_workers: 5000 is out of range: expected a whole number from 1 "
                     "to 4096"))
      << e;
}

TEST(ConfigTypes, RejectsNonBooleanEnabled) {
  std::string e = errorOf("mesh:\n  enabled: yes please\n");
  EXPECT_TRUE(has(e, "rivet.yaml:2:12: mesh.enabled: expected true or false, found \"yes please\""))
      << e;
  EXPECT_TRUE(has(errorOf("mesh:\n  enabled: \"true\"\n"), "without quotes"));
}

TEST(ConfigTypes, RejectsListWhereStringExpected) {
  std::string e = errorOf("mesh:\n  storage_dir: [a, b]\n");
  EXPECT_TRUE(has(e, "rivet.yaml:2:16: mesh.storage_dir: expected a string, found a list")) << e;
}

TEST(ConfigTypes, RejectsEmptyString) {
  std::string e = errorOf("mesh:\n  node_name: \"\"\n");
  EXPECT_TRUE(has(e, "mesh.node_name: must not be empty")) << e;
}

TEST(ConfigTypes, RejectsInvalidNodeName) {
  std::string e = errorOf("mesh:\n  node_name: a/b\n");
  EXPECT_TRUE(has(e, "mesh.node_name: \"a/b\" is not a valid node name")) << e;
}

TEST(ConfigTypes, RejectsInvalidTransportName) {
  std::string e = errorOf("mesh:\n  transport: mTLS\n");
  EXPECT_TRUE(has(e, "mesh.transport: \"mTLS\" is not a valid transport name")) << e;
  EXPECT_TRUE(has(e, "[a-z0-9-]+")) << e;
}

TEST(ConfigTypes, RejectsUnknownDelegationTransport) {
  std::string e = errorOf("mesh:\n  delegation_transport: grpc\n");
  EXPECT_TRUE(has(e, "rivet.yaml:2:25: mesh.delegation_transport: expected http or postgres, "
                     "found \"grpc\""))
      << e;
}

TEST(ConfigTypes, RejectsSectionThatIsNotAMap) {
  std::string e = errorOf("mesh: 3\n");
  EXPECT_TRUE(has(e, "rivet.yaml:1:7: mesh: expected a map of settings, found \"3\"")) << e;
  EXPECT_TRUE(has(errorOf("log: [a]\n"), "log: expected a map of settings, found a list"));
  EXPECT_TRUE(has(errorOf("plugins: x\n"), "plugins: expected a map of settings"));
  EXPECT_TRUE(has(errorOf("agents: [echo]\n"), "agents: expected a map of settings"));
}

TEST(ConfigTypes, RejectsBadLogLevel) {
  std::string e = errorOf("log:\n  level: verbose\n");
  EXPECT_EQ(e, "rivet.yaml:2:10: log.level: unknown log level \"verbose\". Use trace, debug, info, "
               "warn, error, critical or off.");
}

TEST(ConfigTypes, RejectsBadLogFormat) {
  std::string e = errorOf("log:\n  format: xml\n");
  EXPECT_EQ(e, "rivet.yaml:2:11: log.format: unknown log format \"xml\". Use pretty or json.");
}

TEST(ConfigTypes, RejectsDuplicateKey) {
  std::string e = errorOf("mesh:\n  enabled: false\n  enabled: true\n");
  EXPECT_TRUE(has(e, "rivet.yaml:3:3: mesh.enabled: duplicate key (already set at line 2)")) << e;
}

TEST(ConfigTypes, RejectsBadSeedPortAndPeerPort) {
  std::string e =
      errorOf("mesh:\n  discovery:\n    mode: seed\n    seed_host: a\n    seed_port: x\n");
  EXPECT_TRUE(has(e, "rivet.yaml:5:16: mesh.discovery.seed_port: expected a whole number")) << e;
  e = errorOf("mesh:\n  peers:\n    - {name: b, host: h, port: 99999}\n");
  EXPECT_TRUE(has(e, "mesh.peers[0].port: 99999 is out of range")) << e;
}
