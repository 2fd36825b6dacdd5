// Caller patterns of `policy:` rules (docs/policy.md): `node`, `agent@node` and `*` globs in
// either part. A caller is the node whose certificate sent the task (or, forwarded by a node
// this one trusts to forward, the node it names) and the agent that node says asked.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace rivet::policy {

// Who asks for a task, as this node believes it.
struct Caller {
  Caller(std::string n = "", std::string a = "") : node(std::move(n)), agent(std::move(a)) {}
  std::string node;  // certificate CN without ".mesh"; empty: unknown (matches only `*`)
  std::string agent; // fromAgent, a claim of that node; empty: none given
  // Other nodes the task names or came through (the sending node and the node a forwarded
  // claim names, when that is not the caller believed): deny rules match them too, so that
  // neither a claim nor a detour escapes a deny.
  std::vector<std::string> also;
  // "planner@node-b", "node-b", or "an unknown caller"; a long agent name is cut short.
  std::string text() const;
};

// Empty when `pattern` is valid; else what is wrong with it (for a config error).
std::string patternProblem(std::string_view pattern);

// Node parts compare without regard to case (they are host names), agent parts exactly; `*`
// stands for any run of characters within its part. `*` alone matches every caller, a pattern
// without '@' any agent of the nodes it names (and a caller that gave no agent). An A2A bearer
// client is the caller node "token:<name>", which only `*` and `token:<glob>` patterns match.
bool matches(std::string_view pattern, const Caller& caller);

// Node names are host names: equal without regard to case.
bool sameNode(std::string_view a, std::string_view b);

// Glob match of one part; `foldCase` for node names.
bool globMatch(std::string_view pattern, std::string_view text, bool foldCase);

} // namespace rivet::policy
