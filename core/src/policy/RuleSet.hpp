// Who may run each agent of a node: the rules of `policy:` (docs/policy.md), as this node
// enforces them and as other nodes read them from its registry record to leave agents that
// would refuse them out of their rosters.
//
// The rules of an agent are its own entry's and those of the entry "*". A deny rule that
// matches refuses; then, if any allow rule exists, only a caller one of them matches may run
// it; an agent without allow rules is open to every caller (as in RivetOS). An agent in audit
// mode logs what it would deny and runs it.
#pragma once

#include "policy/CallerPattern.hpp"

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <rapidjson/document.h>

namespace rivet::policy {

struct AgentRules {
  std::vector<std::string> allow;
  std::vector<std::string> deny;
  std::string mode; // "", "enforce" or "audit"; "" takes the entry "*"'s, then the node's
};

struct Decision {
  bool allowed = true;    // what happens: audit mode allows what it would deny
  bool wouldDeny = false; // the rules refuse the caller
  bool audit = false;     // wouldDeny, and the agent is in audit mode
  // "no-rules", "allow" (a rule matched), "deny" (a deny rule matched), "not-allowed" (allow
  // rules exist and none matched)
  std::string kind = "no-rules";
  std::string pattern;    // the rule that decided ("" for no-rules and not-allowed)
  std::string entry;      // the entry it is in: the agent id or "*"
  bool denyRules = false; // no-rules: deny rules exist for the agent, none matched
  // "allowed by allow \"node-b\" in policy.agents.opus", "denied: no allow rule ...", ...
  std::string explain(const std::string& agent) const;
};

// Bounds, for the configuration and for a summary read from another node's record.
constexpr size_t kMaxPolicyEntries = 256;
constexpr size_t kMaxPatternsPerList = 64;

struct RuleSet {
  std::string mode = "enforce";             // the node's: "enforce" or "audit"
  std::map<std::string, AgentRules> agents; // agent id, or "*" for every agent
  // The nodes whose forwarded callers are believed (Gate::callerOf): in the summary, so that a
  // change of them changes the revision.
  std::vector<std::string> forwarders;

  Decision decide(const std::string& agent, const Caller& caller) const;
  bool empty() const;

  // The summary a node publishes in its registry record (metadata.policy): the rules and
  // modes, and a revision that changes with them. Entries without rules are left out.
  std::string summaryJson() const;
  std::string revision() const;
  // A summary as another node wrote it (untrusted: wrong types, oversized lists or patterns
  // that are not valid make it unreadable, and nullopt).
  static std::optional<RuleSet> fromSummary(const rapidjson::Value& summary);
};

} // namespace rivet::policy
