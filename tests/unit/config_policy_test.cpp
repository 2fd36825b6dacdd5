// `policy:` (ours, docs/policy.md): every key read, patterns and modes checked with file:line:col
// and a hint, admission only on one agent, a queue needs max_concurrent, bounds on lists,
// unknown keys with a suggestion, an entry for an agent that is not configured, --check-config.
#include "config/ConfigLoader.hpp"

#include <gtest/gtest.h>

using namespace rivet::config;

namespace {

LoadResult load(const std::string& yaml) {
  return loadConfigText(yaml, "rivet.yaml",
                        [](const std::string&) { return std::optional<std::string>(); });
}

std::string errorOf(const std::string& yaml) {
  try {
    load(yaml);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "(no error)";
}

const std::string kAgents = "agents:\n  opus: {plugin: echo}\n  echo: {plugin: echo}\n";

} // namespace

TEST(ConfigPolicy, AbsentMeansNoRulesEnforceModeNoLimits) {
  PolicyConfig p = load(kAgents).config.policy;
  EXPECT_EQ(p.mode, "enforce");
  EXPECT_TRUE(p.agents.empty());
  EXPECT_TRUE(p.forwarders.empty());
  EXPECT_EQ(p.ratePerMinute, 0);
}

TEST(ConfigPolicy, EveryKeyIsRead) {
  PolicyConfig p = load(kAgents + "policy:\n"
                                  "  mode: audit\n"
                                  "  forwarders: [gateway, \"edge-*\"]\n"
                                  "  rate_limit: {per_minute: 120}\n"
                                  "  agents:\n"
                                  "    opus:\n"
                                  "      allow: [node-b, \"planner@node-c\"]\n"
                                  "      deny: [\"lab-*\"]\n"
                                  "      mode: enforce\n"
                                  "      max_concurrent: 2\n"
                                  "      queue: 3\n"
                                  "    \"*\": {deny: [\"quarantine-*\"]}\n")
                       .config.policy;
  EXPECT_EQ(p.mode, "audit");
  EXPECT_EQ(p.forwarders, (std::vector<std::string>{"gateway", "edge-*"}));
  EXPECT_EQ(p.ratePerMinute, 120);
  EXPECT_EQ(p.rateBurst, 2); // a second's worth when not given
  ASSERT_EQ(p.agents.size(), 2u);
  EXPECT_EQ(p.agents[0].agent, "opus");
  EXPECT_EQ(p.agents[0].allow, (std::vector<std::string>{"node-b", "planner@node-c"}));
  EXPECT_EQ(p.agents[0].deny, (std::vector<std::string>{"lab-*"}));
  EXPECT_EQ(p.agents[0].mode, "enforce");
  EXPECT_EQ(p.agents[0].maxConcurrent, 2);
  EXPECT_EQ(p.agents[0].queue, 3);
  EXPECT_EQ(p.agents[1].agent, "*");
  EXPECT_EQ(p.agents[1].deny, (std::vector<std::string>{"quarantine-*"}));
}

TEST(ConfigPolicy, MistakesAreNamedWithTheirPlaceAndAHint) {
  struct Case {
    std::string yaml, expect;
  };
  for (const Case& c : std::vector<Case>{
           {"policy:\n  mode: strict\n", "rivet.yaml:5:9: policy.mode: \"strict\" is not a mode"},
           {"policy:\n  agents:\n    opus: {allow: [\"node b\"]}\n",
            "policy.agents.opus.allow[0]: \"node b\" is not a caller pattern: the character ' '"},
           {"policy:\n  agents:\n    opus: {allow: node-b}\n",
            "policy.agents.opus.allow: expected a list of caller patterns"},
           {"policy:\n  agents:\n    opus: {deny: [\"a@b@c\"]}\n", "more than one '@'"},
           {"policy:\n  agents:\n    \"*\": {max_concurrent: 2}\n",
            "policy.agents.*.max_concurrent: admission limits belong to one agent"},
           {"policy:\n  agents:\n    opus: {queue: 2}\n",
            "policy.agents.opus.queue: a queue without max_concurrent never fills"},
           {"policy:\n  agents:\n    opus: {max_concurrent: 0}\n",
            "policy.agents.opus.max_concurrent: 0 is out of range"},
           {"policy:\n  agents:\n    \"op us\": {}\n", "\"op us\" is not an agent id"},
           {"policy:\n  forwarders: [\"a@gw\"]\n", "names an agent: forwarders are nodes"},
           {"policy:\n  rate_limit: {burst: 5}\n", "a rate limit needs per_minute"},
           {"policy:\n  rate_limit: {per_minute: -1}\n", "policy.rate_limit.per_minute"},
           {"policy: [opus]\n", "policy"},
           {"policy:\n  agents: [opus]\n", "policy.agents"},
       }) {
    std::string e = errorOf(kAgents + c.yaml);
    EXPECT_NE(e.find(c.expect), std::string::npos) << c.yaml << "\n→ " << e;
  }
}

TEST(ConfigPolicy, ListsAreBounded) {
  std::string many = "policy:\n  agents:\n    opus:\n      allow: [";
  for (int i = 0; i < 65; ++i)
    many += std::string(i ? ", " : "") + "n" + std::to_string(i);
  EXPECT_NE(errorOf(kAgents + many + "]\n").find("65 patterns, more than 64"), std::string::npos);
}

TEST(ConfigPolicy, AMisspeltRuleKeyIsAnErrorAndAnAgentThatIsNotConfiguredAWarning) {
  // A typo in a rule would leave the agent open: refused, with the key it resembles.
  std::string e = errorOf(kAgents + "policy:\n  agents:\n    opus: {alow: [node-b]}\n");
  EXPECT_NE(e.find("policy.agents.opus.alow: not a key of a policy entry"), std::string::npos) << e;
  EXPECT_NE(e.find("Did you mean allow?"), std::string::npos) << e;
  LoadResult r = load(kAgents + "policy:\n  agents:\n    opsu: {allow: [node-b]}\n  mdoe: x\n");
  std::string all;
  for (const auto& w : r.warnings)
    all += w + "\n";
  EXPECT_NE(all.find("mdoe"), std::string::npos) << all; // policy's own keys: the usual warning
  EXPECT_NE(all.find("policy.agents.opsu: no agent opsu under agents:"), std::string::npos) << all;
}

TEST(ConfigPolicy, QueuesMayTakeAtMostHalfTheRequestThreads) {
  EXPECT_EQ(errorOf(kAgents + "policy:\n  agents:\n    opus: {max_concurrent: 1, queue: 64}\n"),
            "(no error)");
  std::string e = errorOf(kAgents + "policy:\n  agents:\n    opus: {max_concurrent: 1, queue: 40}\n"
                                    "    echo: {max_concurrent: 1, queue: 25}\n");
  EXPECT_NE(e.find("policy.agents.echo.queue: the policy's queues hold 65 waiting tasks in all, "
                   "more than half of the node's 128 request threads"),
            std::string::npos)
      << e;
}

TEST(ConfigPolicy, CheckConfigPrintsTheEffectivePolicy) {
  std::string text = describeEffective(
      load(kAgents + "policy:\n  agents:\n    opus: {allow: [node-b], max_concurrent: 1}\n")
          .config);
  EXPECT_NE(text.find("policy:\n  mode: enforce\n"), std::string::npos) << text;
  EXPECT_NE(text.find("    opus:\n      allow: [node-b]\n      deny: []\n"), std::string::npos)
      << text;
  EXPECT_NE(text.find("max_concurrent: 1"), std::string::npos) << text;
}
