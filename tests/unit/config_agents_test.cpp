// The `agents:` section: a map keyed by agent id, in YAML order; each entry names its plugin
// and carries the plugin's settings, handed over as a JSON object.
#include "config/ConfigLoader.hpp"

#include <gtest/gtest.h>

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

LoadResult load(const std::string& yaml, const EnvLookup& env = envOf({})) {
  return loadConfigText(yaml, "rivet.yaml", env);
}

std::string errorOf(const std::string& yaml) {
  try {
    load(yaml);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "(no error)";
}

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

} // namespace

TEST(ConfigAgents, KeepsYamlOrderOfAgents) {
  auto c = load("agents:\n  zeta: {plugin: echo}\n  alpha: {plugin: openai}\n  mid: {plugin: "
                "echo}\n")
               .config;
  ASSERT_EQ(c.agents.size(), 3u);
  EXPECT_EQ(c.agents[0].id, "zeta");
  EXPECT_EQ(c.agents[1].id, "alpha");
  EXPECT_EQ(c.agents[1].plugin, "openai");
  EXPECT_EQ(c.agents[2].id, "mid");
  EXPECT_TRUE(c.agentsSectionPresent);
}

TEST(ConfigAgents, TwoAgentsFromOnePluginWithTheirOwnSettings) {
  auto c = load("agents:\n"
                "  opus:\n    plugin: openai\n    model: claude-opus\n"
                "  sonnet:\n    plugin: openai\n    model: claude-sonnet\n")
               .config;
  ASSERT_EQ(c.agents.size(), 2u);
  EXPECT_EQ(c.agents[0].settingsJson, "{\"model\":\"claude-opus\"}");
  EXPECT_EQ(c.agents[1].settingsJson, "{\"model\":\"claude-sonnet\"}");
}

TEST(ConfigAgents, ConvertsSettingsToJsonByYamlScalarRules) {
  auto c = load("agents:\n"
                "  a:\n"
                "    plugin: echo\n"
                "    quoted: \"42\"\n"
                "    single: 'true'\n"
                "    flag: true\n"
                "    off: False\n"
                "    count: 42\n"
                "    negative: -7\n"
                "    plus: +3\n"
                "    temperature: 0.70\n"
                "    half: .5\n"
                "    big: 1e3\n"
                "    hex: 0x1F\n"
                "    nothing: null\n"
                "    tilde: ~\n"
                "    empty:\n"
                "    word: yes\n"
                "    version: 1.2.3\n"
                "    list: [1, two, \"3\"]\n"
                "    nested: {k: v, n: [true, {x: 1}]}\n"
                "    text: \"line\\n\\\"q\\\" \\\\ tab\\t\"\n")
               .config;
  ASSERT_EQ(c.agents.size(), 1u);
  EXPECT_EQ(c.agents[0].settingsJson,
            "{\"quoted\":\"42\",\"single\":\"true\",\"flag\":true,\"off\":false,\"count\":42,"
            "\"negative\":-7,\"plus\":3,\"temperature\":0.70,\"half\":0.5,\"big\":1e3,\"hex\":31,"
            "\"nothing\":null,\"tilde\":null,\"empty\":null,\"word\":\"yes\",\"version\":\"1.2.3\","
            "\"list\":[1,\"two\",\"3\"],\"nested\":{\"k\":\"v\",\"n\":[true,{\"x\":1}]},"
            "\"text\":\"line\\n\\\"q\\\" \\\\ tab\\t\"}");
}

TEST(ConfigAgents, EntryWithOnlyPluginHasEmptySettingsObject) {
  auto c = load("agents:\n  echo: {plugin: echo}\n").config;
  ASSERT_EQ(c.agents.size(), 1u);
  EXPECT_EQ(c.agents[0].plugin, "echo");
  EXPECT_EQ(c.agents[0].settingsJson, "{}");
}

TEST(ConfigAgents, SubstitutesEnvironmentInSettingsStrings) {
  auto c = load("agents:\n  a:\n    plugin: openai\n    api_key: ${KEY}\n    headers: "
                "{auth: \"Bearer ${KEY}\"}\n    args: [\"${KEY}\"]\n",
                envOf({{"KEY", "s3cr\"t"}}))
               .config;
  EXPECT_EQ(c.agents[0].settingsJson,
            "{\"api_key\":\"s3cr\\\"t\",\"headers\":{\"auth\":\"Bearer s3cr\\\"t\"},"
            "\"args\":[\"s3cr\\\"t\"]}");
}

TEST(ConfigAgents, RejectsUnsetVariableInSettingsNamingNestedPath) {
  try {
    load("agents:\n  a:\n    plugin: echo\n    headers:\n      auth: ${NOPE}\n");
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_TRUE(has(e.what(), "rivet.yaml:5:13: agents.a.headers.auth: environment variable NOPE "
                              "is not set"))
        << e.what();
  }
}

TEST(ConfigAgents, RejectsAgentWithoutPlugin) {
  std::string e = errorOf("agents:\n  opus:\n    model: x\n");
  EXPECT_EQ(e, "rivet.yaml:2:3: agents.opus.plugin: missing: every agent names the plugin that "
               "runs it. Add plugin: <plugin name> to agents.opus, e.g. plugin: echo.");
  EXPECT_TRUE(has(errorOf("agents:\n  opus:\n"), "agents.opus.plugin: missing"));
  EXPECT_TRUE(has(errorOf("agents:\n  opus: {plugin: }\n"), "agents.opus.plugin: missing"));
}

TEST(ConfigAgents, RejectsBadPluginName) {
  std::string e = errorOf("agents:\n  opus:\n    plugin: Open_AI\n");
  EXPECT_TRUE(has(e, "rivet.yaml:3:13: agents.opus.plugin: \"Open_AI\" is not a valid plugin name"))
      << e;
  EXPECT_TRUE(has(e, "[a-z0-9-]+")) << e;
  EXPECT_TRUE(has(errorOf("agents:\n  a: {plugin: [x]}\n"), "agents.a.plugin: expected a string"));
}

TEST(ConfigAgents, RejectsBadAgentIdAndSaysWhichCharactersAreAllowed) {
  std::string e = errorOf("agents:\n  \"my agent\": {plugin: echo}\n");
  EXPECT_TRUE(has(e, "rivet.yaml:2:3: agents.my agent: \"my agent\" is not a valid agent id")) << e;
  EXPECT_TRUE(has(e, "[A-Za-z0-9_.-]+")) << e;
}

TEST(ConfigAgents, AcceptsAgentIdsWithDotsDashesUnderscores) {
  auto c = load("agents:\n  My_agent-1.x: {plugin: echo}\n").config;
  EXPECT_EQ(c.agents.at(0).id, "My_agent-1.x");
}

TEST(ConfigAgents, RejectsAgentEntryThatIsNotAMap) {
  std::string e = errorOf("agents:\n  echo: echo\n");
  EXPECT_TRUE(has(e, "rivet.yaml:2:9: agents.echo: expected a map with plugin:")) << e;
}

TEST(ConfigAgents, RejectsDuplicateAgentIds) {
  std::string e = errorOf("agents:\n  echo: {plugin: echo}\n  echo: {plugin: echo}\n");
  EXPECT_TRUE(has(e, "rivet.yaml:3:3: agents.echo: duplicate key")) << e;
}

TEST(ConfigAgents, NoWarningsForUnknownKeysInsideAgentEntries) {
  auto r = load("agents:\n  a: {plugin: echo, anything: 1}\n");
  EXPECT_TRUE(r.warnings.empty());
}

TEST(ConfigAgents, AbsentSectionIsNotPresent) {
  auto c = load("mesh: {}\n").config;
  EXPECT_FALSE(c.agentsSectionPresent);
  EXPECT_TRUE(c.agents.empty());
}

TEST(ConfigAgents, EmptySectionIsPresentWithNoAgents) {
  auto c = load("agents:\n").config;
  EXPECT_TRUE(c.agentsSectionPresent);
  EXPECT_TRUE(c.agents.empty());
  EXPECT_TRUE(load("agents: {}\n").config.agentsSectionPresent);
}

TEST(ConfigAgents, AcceptsDefaultAgentThatIsAnAgent) {
  auto c =
      load("mesh: {default_agent: b}\nagents:\n  a: {plugin: echo}\n  b: {plugin: echo}\n").config;
  EXPECT_EQ(c.mesh.defaultAgent, "b");
}
