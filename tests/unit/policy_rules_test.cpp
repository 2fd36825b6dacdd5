// The policy's rules (docs/policy.md): caller patterns, the decision for each rule shape and
// caller, audit mode, the "*" entry, and the summary other nodes read back from mesh.json,
// including hostile summaries.
#include "policy/CallerPattern.hpp"
#include "policy/RuleSet.hpp"

#include <gtest/gtest.h>

#include <rapidjson/document.h>

using namespace rivet::policy;

namespace {

Caller node(const std::string& n) {
  return Caller{n, ""};
}
Caller agent(const std::string& a, const std::string& n) {
  return Caller{n, a};
}
const Caller kUnknown{"", ""};

RuleSet rules(std::map<std::string, AgentRules> agents, std::string mode = "enforce") {
  RuleSet s;
  s.mode = std::move(mode);
  s.agents = std::move(agents);
  return s;
}

std::optional<RuleSet> readBack(const std::string& json) {
  rapidjson::Document d;
  d.Parse(json.c_str(), json.size());
  if (d.HasParseError())
    return std::nullopt;
  return RuleSet::fromSummary(d);
}

} // namespace

TEST(CallerPattern, NodeAgentAndWildcardsMatchAsDocumented) {
  EXPECT_TRUE(matches("node-b", node("node-b")));
  EXPECT_TRUE(matches("node-b", agent("planner", "node-b"))); // any agent of the node
  EXPECT_TRUE(matches("NODE-B", node("node-b")));             // node names fold case
  EXPECT_FALSE(matches("node-b", node("node-bb")));
  EXPECT_TRUE(matches("planner@node-b", agent("planner", "node-b")));
  EXPECT_FALSE(matches("planner@node-b", agent("Planner", "node-b"))); // agent ids exact
  EXPECT_FALSE(matches("planner@node-b", node("node-b")));             // no agent given
  EXPECT_FALSE(matches("planner@node-b", agent("planner", "node-c")));
  EXPECT_TRUE(matches("lab-*", node("lab-7")));
  EXPECT_FALSE(matches("lab-*", node("prod-lab-7")));
  EXPECT_TRUE(matches("*-lab-*", node("eu-lab-7")));
  EXPECT_TRUE(matches("*@node-b", node("node-b")));
  EXPECT_TRUE(matches("planner@*", agent("planner", "anything")));
  EXPECT_FALSE(matches("planner@*", node("anything")));
  EXPECT_TRUE(matches("*", agent("x", "y")));
  EXPECT_TRUE(matches("*", kUnknown));
  EXPECT_TRUE(matches("*@*", kUnknown));
  EXPECT_FALSE(matches("*@node-b", kUnknown)); // an unknown caller is named only by "*"
  EXPECT_FALSE(matches("lab-*", kUnknown));
}

TEST(CallerPattern, GlobsBacktrackWithoutBlowingUp) {
  EXPECT_TRUE(globMatch("a*b*c*d", "aXXbYYcZZd", false));
  EXPECT_FALSE(globMatch("a*b*c*d", "aXXbYYcZZ", false));
  std::string many(200, 'a');
  EXPECT_FALSE(globMatch("*a*a*a*a*a*a*a*a*b", many, false)); // quadratic at worst, never more
  EXPECT_TRUE(globMatch("***", "", false));
}

TEST(CallerPattern, InvalidPatternsSayWhy) {
  EXPECT_NE(patternProblem(""), "");
  EXPECT_NE(patternProblem("a@b@c"), "");
  EXPECT_NE(patternProblem("@node"), "");
  EXPECT_NE(patternProblem("agent@"), "");
  EXPECT_NE(patternProblem("node b").find("' '"), std::string::npos);
  EXPECT_NE(patternProblem("node/b"), "");
  EXPECT_NE(patternProblem(std::string(257, 'a')), "");
  EXPECT_EQ(patternProblem("planner@lab-*"), "");
  EXPECT_EQ(patternProblem("*"), "");
}

TEST(CallerPattern, TokenCallersAreNamedByTokenPatternsOnly) {
  const Caller alice = node("token:alice");
  EXPECT_TRUE(matches("token:alice", alice));
  EXPECT_TRUE(matches("token:al*", alice));
  EXPECT_TRUE(matches("*", alice));
  EXPECT_FALSE(matches("t*", alice)); // a node glob never admits a token
  EXPECT_FALSE(matches("*@*-x", alice));
  EXPECT_FALSE(matches("token:bob", alice));
  EXPECT_FALSE(matches("token:*", node("node-b")));
  EXPECT_EQ(patternProblem("token:ops-*"), "");
  EXPECT_NE(patternProblem("token:"), "");
  EXPECT_NE(patternProblem("token:a@b"), "");
  EXPECT_NE(patternProblem("planner@token:a"), "");
}

// The matrix of issue 13: rule shapes × callers, decided by the rules alone (the integration
// test policy_matrix_test checks the same cells through a real node).
TEST(PolicyDecision, EveryRuleShapeAgainstEveryKindOfCaller) {
  const Caller allowedNode = node("node-b"), otherNode = node("node-x"),
               allowedAgentWrongNode = agent("planner", "node-x"),
               claimedAgentAllowedNode = agent("planner", "node-b"),
               otherAgentAllowedNode = agent("coder", "node-b");
  struct Cell {
    AgentRules r;
    Caller c;
    bool allowed;
    std::string kind;
  };
  const AgentRules none{}, allowNode{{"node-b"}, {}, ""}, allowAgent{{"planner@node-b"}, {}, ""},
      wildcard{{"node-*"}, {}, ""}, denyBeatsAllow{{"node-*"}, {"node-b"}, ""};
  std::vector<Cell> cells = {
      {none, allowedNode, true, "no-rules"},
      {none, otherNode, true, "no-rules"},
      {none, kUnknown, true, "no-rules"},
      {allowNode, allowedNode, true, "allow"},
      {allowNode, claimedAgentAllowedNode, true, "allow"},
      {allowNode, otherNode, false, "not-allowed"},
      {allowNode, allowedAgentWrongNode, false, "not-allowed"},
      {allowNode, kUnknown, false, "not-allowed"},
      {allowAgent, claimedAgentAllowedNode, true, "allow"},
      {allowAgent, otherAgentAllowedNode, false, "not-allowed"},
      {allowAgent, allowedNode, false, "not-allowed"},
      {allowAgent, allowedAgentWrongNode, false, "not-allowed"},
      {wildcard, allowedNode, true, "allow"},
      {wildcard, otherNode, true, "allow"},
      {wildcard, node("lab-1"), false, "not-allowed"},
      {denyBeatsAllow, allowedNode, false, "deny"},
      {denyBeatsAllow, claimedAgentAllowedNode, false, "deny"},
      {denyBeatsAllow, otherNode, true, "allow"},
  };
  for (const auto& cell : cells) {
    Decision d = rules({{"opus", cell.r}}).decide("opus", cell.c);
    EXPECT_EQ(d.allowed, cell.allowed) << cell.c.text() << " " << d.explain("opus");
    EXPECT_EQ(d.kind, cell.kind) << cell.c.text();
    EXPECT_FALSE(d.audit);
  }
}

TEST(PolicyDecision, AuditModeRunsWhatItWouldDenyPerAgentAndNodeWide) {
  AgentRules audited{{"node-b"}, {}, "audit"};
  Decision d = rules({{"opus", audited}}).decide("opus", node("node-x"));
  EXPECT_TRUE(d.allowed);
  EXPECT_TRUE(d.wouldDeny);
  EXPECT_TRUE(d.audit);
  EXPECT_EQ(d.explain("opus").rfind("audit-denied", 0), 0u) << d.explain("opus");

  AgentRules plain{{"node-b"}, {}, ""};
  d = rules({{"opus", plain}}, "audit").decide("opus", node("node-x"));
  EXPECT_TRUE(d.allowed && d.audit);
  // An agent's own enforce beats the node's audit.
  AgentRules enforced{{"node-b"}, {}, "enforce"};
  d = rules({{"opus", enforced}}, "audit").decide("opus", node("node-x"));
  EXPECT_FALSE(d.allowed);
  // An allowed caller is not "audit" anything.
  d = rules({{"opus", audited}}).decide("opus", node("node-b"));
  EXPECT_TRUE(d.allowed);
  EXPECT_FALSE(d.wouldDeny || d.audit);
}

TEST(PolicyDecision, TheStarEntryAppliesToEveryAgentBesideItsOwnRules) {
  RuleSet s =
      rules({{"*", AgentRules{{}, {"lab-*"}, ""}}, {"opus", AgentRules{{"node-b"}, {}, ""}}});
  EXPECT_EQ(s.decide("echo", node("lab-1")).kind, "deny");
  EXPECT_EQ(s.decide("echo", node("lab-1")).entry, "*");
  EXPECT_TRUE(s.decide("echo", node("node-x")).allowed); // "*" has no allow rules
  EXPECT_FALSE(s.decide("opus", node("node-x")).allowed);
  EXPECT_TRUE(s.decide("opus", node("node-b")).allowed);
  // An allow rule of "*" makes every agent closed to the rest.
  RuleSet closed =
      rules({{"*", AgentRules{{"node-b"}, {}, ""}}, {"opus", AgentRules{{"node-c"}, {}, ""}}});
  EXPECT_FALSE(closed.decide("echo", node("node-c")).allowed);
  EXPECT_TRUE(closed.decide("opus", node("node-c")).allowed);
  EXPECT_TRUE(closed.decide("opus", node("node-b")).allowed);
  // The "*" entry's audit mode covers agents without a mode of their own.
  RuleSet audited = rules({{"*", AgentRules{{}, {"lab-*"}, "audit"}}});
  EXPECT_TRUE(audited.decide("echo", node("lab-1")).audit);
}

TEST(PolicySummary, ReadsBackAsTheSameRulesAndTheRevisionFollowsEveryChange) {
  RuleSet s = rules({{"opus", AgentRules{{"node-b", "planner@node-c"}, {"lab-*"}, "audit"}},
                     {"*", AgentRules{{}, {"x"}, ""}}});
  auto back = readBack(s.summaryJson());
  ASSERT_TRUE(back) << s.summaryJson();
  EXPECT_EQ(back->summaryJson(), s.summaryJson());
  EXPECT_EQ(back->revision(), s.revision());
  RuleSet changed = s;
  changed.agents["opus"].allow.push_back("node-d");
  EXPECT_NE(changed.revision(), s.revision());
  RuleSet moded = s;
  moded.mode = "audit";
  EXPECT_NE(moded.revision(), s.revision());
  EXPECT_TRUE(rules({}).empty());
  EXPECT_TRUE(rules({{"opus", AgentRules{}}}).empty()); // admission only: nothing to publish
}

TEST(PolicySummary, HostileSummariesAreUnreadableNotHalfRead) {
  for (const std::string bad :
       {R"([])", R"({"mode":1})", R"({"mode":"lenient"})", R"({"agents":[]})",
        R"({"agents":{"opus":[]}})", R"({"agents":{"opus":{"allow":"node-b"}}})",
        R"({"agents":{"opus":{"allow":[1]}}})", R"({"agents":{"opus":{"allow":["a b"]}}})",
        R"({"agents":{"opus":{"deny":["@x"]}}})", R"({"agents":{"opus":{"mode":"off"}}})",
        R"({"agents":{"opus":{"allow":["a"]},"opus":{"allow":["b"]}}})"}) {
    EXPECT_FALSE(readBack(bad)) << bad;
  }
  std::string longList = R"({"agents":{"opus":{"allow":[)";
  for (int i = 0; i < 65; ++i)
    longList += std::string(i ? "," : "") + "\"n" + std::to_string(i) + "\"";
  EXPECT_FALSE(readBack(longList + "]}}}"));
  std::string manyAgents = R"({"agents":{)";
  for (int i = 0; i < 257; ++i)
    manyAgents += std::string(i ? "," : "") + "\"a" + std::to_string(i) + "\":{}";
  EXPECT_FALSE(readBack(manyAgents + "}}"));
  EXPECT_TRUE(readBack(R"({"agents":{"opus":{"allow":["node-b"],"extra":true}}})"));
}
