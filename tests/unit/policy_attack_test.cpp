// A careless operator's `policy:` (docs/policy.md): a line that reads as "close this agent" or
// "trust nobody in particular" must not silently open the agent or trust every node.
#include "config/ConfigLoader.hpp"

#include <gtest/gtest.h>

using namespace rivet::config;

namespace {

// The error, or else every warning, of loading `yaml`.
std::string complaintsOf(const std::string& yaml) {
  try {
    LoadResult r = loadConfigText(yaml, "rivet.yaml",
                                  [](const std::string&) { return std::optional<std::string>(); });
    std::string all;
    for (const auto& w : r.warnings)
      all += w + "\n";
    return all;
  } catch (const ConfigError& e) {
    return e.what();
  }
}

const std::string kAgents = "agents:\n  opus: {plugin: echo}\n";

} // namespace

TEST(PolicyAttackConfig, AnEmptyAllowListThatOpensTheAgentToEveryCallerIsNotSilent) {
  // `allow: []` reads as "nobody"; by the rules it is "no allow rule": every caller.
  std::string said = complaintsOf(kAgents + "policy:\n  agents:\n    opus: {allow: []}\n");
  EXPECT_NE(said.find("policy.agents.opus.allow"), std::string::npos)
      << "allow: [] opens opus to every caller without a word: [" << said << "]";
}

TEST(PolicyAttackConfig, ForwardersStarThatLetsEveryNodeNameAnyCallerIsNotSilent) {
  // With forwarders: ["*"] every node of the mesh may write caller: "cn:<anybody>".
  std::string said = complaintsOf(kAgents + "policy:\n  forwarders: [\"*\"]\n  agents:\n"
                                            "    opus: {allow: [node-b]}\n");
  EXPECT_NE(said.find("policy.forwarders"), std::string::npos)
      << "forwarders: [\"*\"] trusts every node to name any caller without a word: [" << said
      << "]";
}
