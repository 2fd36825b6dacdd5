// Caller patterns of `policy:` rules (docs/policy.md): `node`, `agent@node` and `*` globs in
// either part. A caller is the node whose certificate sent the task (or, forwarded by a node
// this one trusts to forward, the node it names) and the agent that node says asked.
#pragma once

#include <string>
#include <string_view>

namespace rivet::policy {

// Who asks for a task, as this node believes it.
struct Caller {
  std::string node;  // certificate CN without ".mesh"; empty: unknown (matches only `*`)
  std::string agent; // fromAgent, a claim of that node; empty: none given
  // "planner@node-b", "node-b", or "an unknown caller"
  std::string text() const;
};

// Empty when `pattern` is valid; else what is wrong with it (for a config error).
std::string patternProblem(std::string_view pattern);

// Node parts compare without regard to case (they are host names), agent parts exactly; `*`
// stands for any run of characters within its part. `*` alone matches every caller, a pattern
// without '@' any agent of the nodes it names (and a caller that gave no agent).
bool matches(std::string_view pattern, const Caller& caller);

// Glob match of one part; `foldCase` for node names.
bool globMatch(std::string_view pattern, std::string_view text, bool foldCase);

} // namespace rivet::policy
