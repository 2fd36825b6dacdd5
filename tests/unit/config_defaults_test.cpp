// Defaults of every key, `tls: true` conventional paths, relative paths resolved against the
// config file's folder, and the --check-config description.
#include "config/ConfigLoader.hpp"

#include "TestSupport.hpp"

#include <gtest/gtest.h>

#include <map>
#include <unistd.h>

using namespace rivet::config;
using rivet::test::TempDir;
using rivet::test::writeFile;

namespace {

EnvLookup envOf(std::map<std::string, std::string> vars) {
  return [vars](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end())
      return std::nullopt;
    return it->second;
  };
}

Config load(const std::string& yaml, const std::string& source = "/etc/rivet/rivet.yaml",
            const EnvLookup& env = envOf({})) {
  return loadConfigText(yaml, source, env).config;
}

std::string hostName() {
  char buf[256] = {};
  gethostname(buf, sizeof(buf) - 1);
  return buf;
}

} // namespace

TEST(ConfigDefaults, EmptyFileIsAValidConfigWithAllDefaults) {
  auto r = loadConfigText("", "/etc/rivet/rivet.yaml", envOf({}));
  const Config& c = r.config;
  EXPECT_TRUE(r.warnings.empty());
  EXPECT_EQ(c.sourcePath, "/etc/rivet/rivet.yaml");
  EXPECT_FALSE(c.mesh.enabled);
  EXPECT_EQ(c.mesh.nodeName, hostName());
  EXPECT_EQ(c.mesh.advertiseHost, "127.0.0.1");
  EXPECT_EQ(c.mesh.listenHost, "0.0.0.0");
  EXPECT_FALSE(c.mesh.tlsConfigured);
  EXPECT_EQ(c.mesh.agentChannelPort, 3000);
  EXPECT_EQ(c.mesh.storageDir, "/rivet-shared");
  EXPECT_EQ(c.mesh.heartbeatIntervalMs, 30000);
  EXPECT_EQ(c.mesh.staleThresholdMs, 90000);
  EXPECT_EQ(c.mesh.maxChainDepth, 3);
  EXPECT_EQ(c.mesh.transport, "mtls");
  EXPECT_EQ(c.mesh.defaultAgent, "");
  EXPECT_EQ(c.mesh.agentWorkers, 64);
  EXPECT_EQ(c.mesh.delegationTransport, "http");
  EXPECT_EQ(c.mesh.discovery.mode, "");
  EXPECT_EQ(c.mesh.discovery.mdnsService, "_rivetos._tcp");
  EXPECT_TRUE(c.mesh.peers.empty());
  EXPECT_EQ(c.plugins.dir, "");
  EXPECT_EQ(c.plugins.agentsDir, "");
  EXPECT_FALSE(c.agentsSectionPresent);
  EXPECT_EQ(c.log.level, "info");
  EXPECT_EQ(c.log.format, "pretty");
  EXPECT_EQ(c.log.file, "");
}

TEST(ConfigDefaults, CommentsOnlyAndNullSectionsMeanDefaults) {
  EXPECT_EQ(load("# nothing\n").mesh.agentChannelPort, 3000);
  auto c = load("mesh:\nplugins:\nlog:\n");
  EXPECT_EQ(c.mesh.transport, "mtls");
  EXPECT_EQ(c.log.level, "info");
  EXPECT_EQ(load("mesh:\n  node_name: ~\n").mesh.nodeName, hostName());
}

TEST(ConfigDefaults, AdvertiseHostComesFromRivetosHostThenHostname) {
  EXPECT_EQ(load("", "r.yaml", envOf({{"RIVETOS_HOST", "10.1.1.1"}, {"HOSTNAME", "box"}}))
                .mesh.advertiseHost,
            "10.1.1.1");
  EXPECT_EQ(load("", "r.yaml", envOf({{"HOSTNAME", "box"}})).mesh.advertiseHost, "box");
  EXPECT_EQ(load("mesh: {advertise_host: 10.2.2.2}\n", "r.yaml", envOf({{"HOSTNAME", "box"}}))
                .mesh.advertiseHost,
            "10.2.2.2");
}

TEST(ConfigDefaults, TlsTrueUsesConventionalPathsForNodeName) {
  auto c = load("mesh:\n  tls: true\n  node_name: node-a\n");
  EXPECT_TRUE(c.mesh.tlsConfigured);
  EXPECT_EQ(c.mesh.tls.caPath, "/rivet-shared/rivet-ca/intermediate/ca-chain.pem");
  EXPECT_EQ(c.mesh.tls.certPath, "/rivet-shared/rivet-ca/issued/node-a.crt");
  EXPECT_EQ(c.mesh.tls.keyPath, "/rivet-shared/rivet-ca/issued/node-a.key");
  EXPECT_EQ(c.mesh.tls.crlPath, "");
}

TEST(ConfigDefaults, TlsMapFillsMissingPathsWithDefaults) {
  auto c = load("mesh:\n  node_name: n1\n  tls:\n    cert_path: /certs/n1.pem\n    crl_path: "
                "/certs/crl.pem\n");
  EXPECT_TRUE(c.mesh.tlsConfigured);
  EXPECT_EQ(c.mesh.tls.caPath, "/rivet-shared/rivet-ca/intermediate/ca-chain.pem");
  EXPECT_EQ(c.mesh.tls.certPath, "/certs/n1.pem");
  EXPECT_EQ(c.mesh.tls.keyPath, "/rivet-shared/rivet-ca/issued/n1.key");
  EXPECT_EQ(c.mesh.tls.crlPath, "/certs/crl.pem");
}

TEST(ConfigDefaults, TlsFalseIsNotConfigured) {
  EXPECT_FALSE(load("mesh:\n  tls: false\n").mesh.tlsConfigured);
}

TEST(ConfigDefaults, SeedPortDefaultsToAgentChannelPort) {
  auto c = load("mesh:\n  discovery: {mode: seed, seed_host: node-a.mesh}\n  agent_channel_port: "
                "3443\n");
  EXPECT_EQ(c.mesh.discovery.seedPort, 3443);
  EXPECT_EQ(c.mesh.discovery.seedHost, "node-a.mesh");
  c = load("mesh:\n  discovery: {mode: seed, seed_host: s, seed_port: 3100}\n");
  EXPECT_EQ(c.mesh.discovery.seedPort, 3100);
}

TEST(ConfigDefaults, PeerPortDefaultsTo3000) {
  auto c = load("mesh:\n  discovery: {mode: static}\n  peers:\n    - {name: b, host: 10.0.0.2}\n"
                "    - {name: c, host: 10.0.0.3, port: 3100}\n");
  ASSERT_EQ(c.mesh.peers.size(), 2u);
  EXPECT_EQ(c.mesh.peers[0].name, "b");
  EXPECT_EQ(c.mesh.peers[0].host, "10.0.0.2");
  EXPECT_EQ(c.mesh.peers[0].port, 3000);
  EXPECT_EQ(c.mesh.peers[1].port, 3100);
}

TEST(ConfigDefaults, ReadsEveryMeshKey) {
  auto c = load("mesh:\n"
                "  enabled: true\n  node_name: n\n  advertise_host: 10.0.0.1\n"
                "  listen_host: 127.0.0.1\n  tls: true\n  agent_channel_port: 3443\n"
                "  storage_dir: /srv/mesh\n  heartbeat_interval_ms: 1000\n"
                "  stale_threshold_ms: 5000\n  max_chain_depth: 5\n  transport: mtls\n"
                "  default_agent: echo\n  agent_workers: 8\n  delegation_transport: http\n"
                "  discovery: {mode: mdns, mdns_service: _rivet._tcp}\n");
  EXPECT_TRUE(c.mesh.enabled);
  EXPECT_EQ(c.mesh.listenHost, "127.0.0.1");
  EXPECT_EQ(c.mesh.agentChannelPort, 3443);
  EXPECT_EQ(c.mesh.storageDir, "/srv/mesh");
  EXPECT_EQ(c.mesh.heartbeatIntervalMs, 1000);
  EXPECT_EQ(c.mesh.staleThresholdMs, 5000);
  EXPECT_EQ(c.mesh.maxChainDepth, 5);
  EXPECT_EQ(c.mesh.defaultAgent, "echo");
  EXPECT_EQ(c.mesh.agentWorkers, 8);
  EXPECT_EQ(c.mesh.discovery.mode, "mdns");
  EXPECT_EQ(c.mesh.discovery.mdnsService, "_rivet._tcp");
}

TEST(ConfigDefaults, RelativePathsResolveAgainstTheConfigFolder) {
  auto c =
      load("mesh:\n  storage_dir: ../var/shared\n  tls:\n    ca_path: certs/ca.pem\n"
           "    cert_path: ./certs/n.crt\n    key_path: /abs/n.key\n    crl_path: crl.pem\n"
           "plugins:\n  dir: plugins\n  agents_dir: ../agents\nlog:\n  file: logs/rivetd.log\n",
           "/opt/rivet/etc/rivet.yaml");
  EXPECT_EQ(c.mesh.storageDir, "/opt/rivet/var/shared");
  EXPECT_EQ(c.mesh.tls.caPath, "/opt/rivet/etc/certs/ca.pem");
  EXPECT_EQ(c.mesh.tls.certPath, "/opt/rivet/etc/certs/n.crt");
  EXPECT_EQ(c.mesh.tls.keyPath, "/abs/n.key");
  EXPECT_EQ(c.mesh.tls.crlPath, "/opt/rivet/etc/crl.pem");
  EXPECT_EQ(c.plugins.dir, "/opt/rivet/etc/plugins");
  EXPECT_EQ(c.plugins.agentsDir, "/opt/rivet/agents");
  EXPECT_EQ(c.log.file, "/opt/rivet/etc/logs/rivetd.log");
}

TEST(ConfigDefaults, RelativePathsInARealFileResolveAgainstItsFolder) {
  TempDir dir;
  writeFile(dir.file("conf/rivet.yaml"), "mesh:\n  storage_dir: data\n");
  auto r = loadConfigFile(dir.file("conf/rivet.yaml"));
  EXPECT_EQ(r.config.mesh.storageDir, dir.path() + "/conf/data");
  EXPECT_EQ(r.config.sourcePath, dir.file("conf/rivet.yaml"));
}

TEST(ConfigDefaults, DescribeEffectiveListsEveryKey) {
  auto c = load("mesh:\n  node_name: n\n  tls: true\n  discovery: {mode: static}\n"
                "  peers: [{name: b, host: 10.0.0.2}]\n"
                "agents:\n  echo: {plugin: echo, greeting: hi}\n");
  std::string d = describeEffective(c);
  for (const char* key : {"mesh:",
                          "enabled: false",
                          "node_name: n",
                          "advertise_host: 127.0.0.1",
                          "listen_host: 0.0.0.0",
                          "ca_path: /rivet-shared/rivet-ca/intermediate/ca-chain.pem",
                          "cert_path: /rivet-shared/rivet-ca/issued/n.crt",
                          "key_path:",
                          "crl_path:",
                          "agent_channel_port: 3000",
                          "storage_dir: /rivet-shared",
                          "heartbeat_interval_ms: 30000",
                          "stale_threshold_ms: 90000",
                          "max_chain_depth: 3",
                          "transport: mtls",
                          "default_agent:",
                          "agent_workers: 64",
                          "delegation_transport: http",
                          "mode: static",
                          "seed_host:",
                          "seed_port: 3000",
                          "mdns_service: _rivetos._tcp",
                          "- {name: b, host: 10.0.0.2, port: 3000}",
                          "plugins:",
                          "dir:",
                          "agents_dir:",
                          "agents:",
                          "  echo:",
                          "plugin: echo",
                          "settings: {\"greeting\":\"hi\"}",
                          "log:",
                          "level: info",
                          "format: pretty",
                          "file:"}) {
    EXPECT_NE(d.find(key), std::string::npos) << key << "\n" << d;
  }
}

TEST(ConfigDefaults, DefaultConfigPathIsLocalFileOrEtc) {
  std::string p = defaultConfigPath();
  EXPECT_TRUE(p == "./config/rivet.yaml" || p == "/etc/rivet/rivet.yaml") << p;
}
