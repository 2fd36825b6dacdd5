// `a2a:` (ours, docs/a2a.md): off by default, every key read, the public URL made from the
// address when absent, and the errors an operator can make, each with the key and what to do.
#include "config/ConfigLoader.hpp"

#include <gtest/gtest.h>

#include <string>

using namespace rivet::config;

namespace {

EnvLookup noEnv() {
  return [](const std::string&) { return std::optional<std::string>(); };
}

const std::string kMesh = "mesh:\n  enabled: true\n  node_name: node-a\n  tls: true\n";

Config load(const std::string& yaml) {
  return loadConfigText(kMesh + yaml, "rivet.yaml", noEnv()).config;
}

std::string errorOf(const std::string& yaml, const std::string& mesh = kMesh) {
  try {
    loadConfigText(mesh + yaml, "rivet.yaml", noEnv());
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(ConfigA2a, OffByDefaultAndLocalWhenOn) {
  Config off = load("");
  EXPECT_FALSE(off.a2a.enabled);
  Config on = load("a2a:\n  enabled: true\n");
  EXPECT_TRUE(on.a2a.enabled);
  EXPECT_EQ(on.a2a.address, "127.0.0.1");
  EXPECT_EQ(on.a2a.port, 3443);
  EXPECT_EQ(on.a2a.publicUrl, "https://127.0.0.1:3443");
  EXPECT_TRUE(on.a2a.publicCards);
  EXPECT_TRUE(on.a2a.tokensFile.empty());
  Config wild = loadConfigText(kMesh + "  advertise_host: a2a.example\n" +
                                   "a2a:\n  enabled: true\n  address: 0.0.0.0\n",
                               "rivet.yaml", noEnv())
                    .config;
  EXPECT_EQ(wild.a2a.publicUrl, "https://a2a.example:3443"); // every interface: the advertised
}

TEST(ConfigA2a, ReadsEveryKey) {
  Config c = load("a2a:\n  enabled: true\n  address: 0.0.0.0\n  port: 8443\n"
                  "  public_url: https://a2a.example.org:8443/\n"
                  "  tls: { cert: /etc/a2a.crt, key: /etc/a2a.key }\n"
                  "  tokens_file: /etc/a2a-tokens\n  public_cards: false\n"
                  "  agents:\n    opus:\n      description: Reviews code\n"
                  "      skills:\n        - { id: review, name: Review, tags: [code], "
                  "examples: [\"review my diff\"] }\n");
  EXPECT_EQ(c.a2a.address, "0.0.0.0");
  EXPECT_EQ(c.a2a.port, 8443);
  EXPECT_EQ(c.a2a.publicUrl, "https://a2a.example.org:8443");
  EXPECT_EQ(c.a2a.certPath, "/etc/a2a.crt");
  EXPECT_EQ(c.a2a.tokensFile, "/etc/a2a-tokens");
  EXPECT_FALSE(c.a2a.publicCards);
  ASSERT_EQ(c.a2a.agents.size(), 1u);
  EXPECT_EQ(c.a2a.agents[0].agent, "opus");
  ASSERT_EQ(c.a2a.agents[0].skills.size(), 1u);
  EXPECT_EQ(c.a2a.agents[0].skills[0].examples.at(0), "review my diff");
}

TEST(ConfigA2a, MistakesNameTheKeyAndTheFix) {
  EXPECT_NE(errorOf("a2a:\n  enabled: true\n  address: localhost\n").find("a2a.address"),
            std::string::npos);
  EXPECT_NE(errorOf("a2a:\n  enabled: true\n  port: 3000\n").find("mesh.agent_channel_port"),
            std::string::npos);
  EXPECT_NE(errorOf("a2a:\n  tls: { cert: a.crt }\n").find("both cert and key"), std::string::npos);
  EXPECT_NE(errorOf("a2a:\n  public_url: http://x:1\n").find("not an https URL"),
            std::string::npos);
  EXPECT_NE(errorOf("a2a:\n  public_url: https://x:1/a2a\n").find("no path"), std::string::npos);
  EXPECT_NE(errorOf("a2a:\n  enabled: true\n", "mesh:\n  enabled: false\n").find("mesh.enabled"),
            std::string::npos);
  EXPECT_NE(errorOf("a2a:\n  agents:\n    opus:\n      skills: [{ id: a }, { id: a }]\n")
                .find("given twice"),
            std::string::npos);
  EXPECT_NE(errorOf("a2a:\n  agents:\n    opus:\n      skills: [{ name: x }]\n").find("no id"),
            std::string::npos);
  auto typo = loadConfigText(kMesh + "a2a:\n  enable: true\n", "rivet.yaml", noEnv());
  ASSERT_EQ(typo.warnings.size(), 1u);
  EXPECT_NE(typo.warnings[0].find("a2a.enable (did you mean a2a.enabled?)"), std::string::npos)
      << typo.warnings[0];
  EXPECT_FALSE(typo.config.a2a.enabled);
  EXPECT_NE(errorOf("a2a: [1, 2]\n").find("a2a"), std::string::npos);
}

} // namespace
