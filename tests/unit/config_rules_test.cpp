// Mesh rules that RivetOS documents and that we add: TLS is mandatory when the mesh is on,
// hosts are shell-safe, discovery modes have what they need, default_agent names an agent.
#include "config/ConfigLoader.hpp"

#include <gtest/gtest.h>

#include <map>

using namespace rivet::config;

namespace {

EnvLookup envOf(std::map<std::string, std::string> vars) {
  return [vars](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end())
      return std::nullopt;
    return it->second;
  };
}

std::string errorOf(const std::string& yaml, const EnvLookup& env = envOf({})) {
  try {
    loadConfigText(yaml, "rivet.yaml", env);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "(no error)";
}

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

const char* const kTlsRequired =
    "mesh.enabled requires tls configuration. TLS is mandatory when mesh is enabled — no "
    "plaintext fallback is allowed. Set tls: true (uses conventional /rivet-shared/rivet-ca/ "
    "paths) or provide a MeshTlsConfig object.";

} // namespace

TEST(ConfigRules, RejectsMeshEnabledWithoutTls) {
  std::string e = errorOf("mesh:\n  enabled: true\n");
  EXPECT_EQ(e, std::string("rivet.yaml:2:12: mesh.enabled: ") + kTlsRequired);
}

TEST(ConfigRules, RejectsMeshEnabledWithTlsFalse) {
  std::string e = errorOf("mesh:\n  enabled: true\n  tls: false\n");
  EXPECT_TRUE(has(e, kTlsRequired)) << e;
  EXPECT_TRUE(has(e, "rivet.yaml:3:8:")) << e;
}

TEST(ConfigRules, AcceptsMeshEnabledWithTlsTrue) {
  EXPECT_EQ(errorOf("mesh:\n  enabled: true\n  tls: true\n"), "(no error)");
}

TEST(ConfigRules, RejectsTlsOfWrongTypeWithRivetOsMessage) {
  std::string e = errorOf("mesh:\n  tls: \"yes\"\n");
  EXPECT_TRUE(has(e, "rivet.yaml:2:8: mesh.tls: mesh.tls must be boolean (true for defaults) or "
                     "a MeshTlsConfig object { ca_path?, cert_path?, key_path? }"))
      << e;
  EXPECT_TRUE(has(errorOf("mesh:\n  tls: [a]\n"), "mesh.tls must be boolean")) << e;
  EXPECT_TRUE(has(errorOf("mesh:\n  tls: 1\n"), "mesh.tls must be boolean")) << e;
}

TEST(ConfigRules, RejectsTlsPathOfWrongType) {
  std::string e = errorOf("mesh:\n  tls:\n    ca_path: [x]\n");
  EXPECT_TRUE(has(e, "rivet.yaml:3:14: mesh.tls.ca_path: expected a string, found a list")) << e;
}

TEST(ConfigRules, RejectsShellUnsafeAdvertiseHost) {
  for (const char* host :
       {"a;b", "a&b", "a|b", "a`b", "a$b", "a<b", "a>b", "a(b", "a)b", "a'b", "a\\\\b", "a b"}) {
    std::string e = errorOf(std::string("mesh:\n  advertise_host: \"") + host + "\"\n");
    EXPECT_TRUE(has(e, "rivet.yaml:2:19: mesh.advertise_host:")) << e;
    EXPECT_TRUE(has(e, "shell-unsafe")) << host << " -> " << e;
  }
  EXPECT_TRUE(has(errorOf("mesh:\n  advertise_host: 'a\"b'\n"), "shell-unsafe"));
}

TEST(ConfigRules, RejectsEmptyAdvertiseHost) {
  EXPECT_TRUE(
      has(errorOf("mesh:\n  advertise_host: \"\"\n"), "mesh.advertise_host: must not be empty"));
}

TEST(ConfigRules, RejectsShellUnsafeAdvertiseHostFromEnvironment) {
  std::string e = errorOf("mesh: {}\n", envOf({{"RIVETOS_HOST", "x;rm -rf"}}));
  EXPECT_TRUE(has(e, "mesh.advertise_host")) << e;
  EXPECT_TRUE(has(e, "RIVETOS_HOST")) << e;
  EXPECT_TRUE(has(e, "shell-unsafe")) << e;
}

TEST(ConfigRules, RejectsShellUnsafePeerAndSeedHosts) {
  std::string e = errorOf("mesh:\n  discovery: {mode: seed, seed_host: \"a;b\"}\n");
  EXPECT_TRUE(has(e, "mesh.discovery.seed_host")) << e;
  EXPECT_TRUE(has(e, "shell-unsafe")) << e;
  e = errorOf("mesh:\n  peers:\n    - name: b\n      host: \"h $x\"\n");
  EXPECT_TRUE(has(e, "rivet.yaml:4:13: mesh.peers[0].host:")) << e;
  EXPECT_TRUE(has(e, "shell-unsafe")) << e;
}

TEST(ConfigRules, RejectsSeedModeWithoutSeedHost) {
  std::string e = errorOf("mesh:\n  discovery:\n    mode: seed\n");
  EXPECT_TRUE(has(e, "rivet.yaml:3:11: mesh.discovery.seed_host: required when "
                     "mesh.discovery.mode is seed"))
      << e;
}

TEST(ConfigRules, RejectsStaticModeWithoutPeers) {
  std::string e = errorOf("mesh:\n  discovery:\n    mode: static\n");
  EXPECT_TRUE(has(e, "rivet.yaml:3:11: mesh.peers: discovery mode static needs at least one peer"))
      << e;
  EXPECT_TRUE(has(errorOf("mesh:\n  discovery: {mode: static}\n  peers: []\n"), "mesh.peers:"));
}

TEST(ConfigRules, RejectsUnknownDiscoveryModeListingValidOnes) {
  std::string e = errorOf("mesh:\n  discovery:\n    mode: dns\n");
  EXPECT_TRUE(has(e, "rivet.yaml:3:11: mesh.discovery.mode: unknown discovery mode \"dns\". Use "
                     "one of: static, seed, mdns"))
      << e;
}

TEST(ConfigRules, RejectsDiscoveryWithoutMode) {
  std::string e = errorOf("mesh:\n  discovery:\n    seed_host: a\n");
  EXPECT_TRUE(has(e, "mesh.discovery: the discovery section has no mode")) << e;
}

TEST(ConfigRules, RejectsBadMdnsServiceType) {
  std::string e = errorOf("mesh:\n  discovery: {mode: mdns, mdns_service: rivet}\n");
  EXPECT_TRUE(has(e, "mesh.discovery.mdns_service: \"rivet\" is not a DNS-SD service type")) << e;
}

TEST(ConfigRules, RejectsPeerWithoutNameOrHost) {
  std::string e = errorOf("mesh:\n  peers:\n    - host: 10.0.0.2\n");
  EXPECT_TRUE(has(e, "rivet.yaml:3:7: mesh.peers[0].name: missing")) << e;
  e = errorOf("mesh:\n  peers:\n    - name: a\n      host: 10.0.0.1\n    - name: b\n");
  EXPECT_TRUE(has(e, "rivet.yaml:5:7: mesh.peers[1].host: missing")) << e;
}

TEST(ConfigRules, RejectsPeersThatAreNotAList) {
  std::string e = errorOf("mesh:\n  peers: {name: a}\n");
  EXPECT_TRUE(has(e, "mesh.peers: expected a list of peers, found a map")) << e;
  e = errorOf("mesh:\n  peers: [node-b]\n");
  EXPECT_TRUE(has(e, "mesh.peers[0]: expected a peer map")) << e;
}

TEST(ConfigRules, RejectsDuplicatePeerNames) {
  std::string e =
      errorOf("mesh:\n  peers:\n    - {name: b, host: h1}\n    - {name: b, host: h2}\n");
  EXPECT_TRUE(has(e, "mesh.peers[1].name: peer \"b\" is listed twice")) << e;
}

TEST(ConfigRules, RejectsDefaultAgentThatIsNotAnAgent) {
  std::string e = errorOf("mesh:\n  default_agent: opus\nagents:\n  echo: {plugin: echo}\n");
  EXPECT_EQ(e, "rivet.yaml:2:18: mesh.default_agent: \"opus\" is not one of the agents configured "
               "under agents: (echo). Set it to one of those ids, or remove it to use the first "
               "agent.");
}

TEST(ConfigRules, AcceptsAnyDefaultAgentWithoutAgentsSection) {
  auto r = loadConfigText("mesh:\n  default_agent: echo\n", "rivet.yaml", envOf({}));
  EXPECT_EQ(r.config.mesh.defaultAgent, "echo");
}

TEST(ConfigRules, StateDirInsideTheSharedStorageIsRefused) {
  for (const char* state :
       {"/rivet-shared", "/rivet-shared/", "/rivet-shared/node-a/state", "/rivet-shared/x/../y"}) {
    std::string e = errorOf(std::string("mesh:\n  state_dir: ") + state + "\n");
    EXPECT_TRUE(has(e, "rivet.yaml:2:14: mesh.state_dir:")) << e;
    EXPECT_TRUE(has(e, "is inside mesh.storage_dir \"/rivet-shared\", which every node shares"))
        << e;
    EXPECT_TRUE(has(e, "local folder of this node only")) << e;
  }
  EXPECT_EQ(errorOf("mesh:\n  state_dir: /var/lib/rivet\n"), "(no error)");
  EXPECT_EQ(errorOf("mesh:\n  state_dir: /rivet-shared-not\n"), "(no error)");
}
