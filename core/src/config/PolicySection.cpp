// `policy:`: every key typed, every pattern checked, bounds on every list.
#include "config/PolicySection.hpp"

#include "config/NameRules.hpp"
#include "config/NearestKey.hpp"
#include "policy/CallerPattern.hpp"
#include "policy/RuleSet.hpp"

#include <algorithm>

namespace rivet::config {
namespace {

const std::vector<std::string> kPolicyKeys = {"mode", "forwarders", "rate_limit", "agents"};
const std::vector<std::string> kEntryKeys = {"allow", "deny", "mode", "max_concurrent", "queue"};
const std::vector<std::string> kRateKeys = {"per_minute", "burst"};

std::string readMode(const YAML::Node& v, const std::string& path, FieldReader& r) {
  std::string mode;
  r.readString(v, path, mode);
  if (mode != "enforce" && mode != "audit")
    r.failAt(path, r.quote(mode) + " is not a mode",
             "Write enforce (refuse what the rules deny) or audit (log \"would deny\" and run it)");
  return mode;
}

std::vector<std::string> readPatterns(const YAML::Node& node, const std::string& path,
                                      FieldReader& r) {
  std::vector<std::string> out;
  if (node.IsNull())
    return out;
  const std::string example =
      "Write " + path.substr(path.rfind('.') + 1) + ": [node-b, \"planner@node-c\", \"lab-*\"]";
  if (!node.IsSequence())
    r.fail(node.Mark(), path, "expected a list of caller patterns, found " + r.describe(node),
           example);
  if (node.size() > policy::kMaxPatternsPerList)
    r.fail(node.Mark(), path,
           std::to_string(node.size()) + " patterns, more than " +
               std::to_string(policy::kMaxPatternsPerList),
           "Use wildcards (\"lab-*\") to name many callers at once");
  for (size_t i = 0; i < node.size(); ++i) {
    const std::string at = path + "[" + std::to_string(i) + "]";
    r.recordMark(at, node[i].Mark());
    std::string p;
    r.readString(node[i], at, p);
    if (std::string problem = policy::patternProblem(p); !problem.empty())
      r.failAt(at, r.quote(p) + " is not a caller pattern: " + problem,
               "Write a node name (node-b), an agent on a node (planner@node-b), or either with * "
               "wildcards (\"lab-*\", \"*@node-b\", \"*\")");
    out.push_back(std::move(p));
  }
  return out;
}

AgentPolicyConfig readEntry(const std::string& id, const YAML::Node& node, FieldReader& r) {
  const std::string path = "policy.agents." + id;
  AgentPolicyConfig e;
  e.agent = id;
  if (id != "*" && !isAgentId(id))
    r.fail(r.keyMarkOf(path), path, r.quote(id) + " is not an agent id or \"*\"",
           "Name an agent of agents: (letters, digits, '_', '.', '-'), or \"*\" for every agent");
  if (node.IsNull())
    return e;
  r.requireMap(node, path, "Write " + id + ": {allow: [node-b]} or {deny: [\"lab-*\"]}");
  // A misspelt key here would leave the agent open: an error, not a warning.
  for (auto it = node.begin(); it != node.end(); ++it) {
    const std::string key = it->first.IsScalar() ? it->first.Scalar() : "";
    if (std::find(kEntryKeys.begin(), kEntryKeys.end(), key) == kEntryKeys.end()) {
      const std::string near = nearestKey(key, kEntryKeys);
      r.fail(it->first.Mark(), path + "." + key,
             "not a key of a policy entry: a misspelt rule would leave the agent open",
             near.empty() ? "Use allow, deny, mode, max_concurrent or queue"
                          : "Did you mean " + near + "?");
    }
  }
  r.forEachEntry(node, path, kEntryKeys, [&](const std::string& key, const YAML::Node& v) {
    const std::string at = path + "." + key;
    if (key == "allow") {
      e.allow = readPatterns(v, at, r);
      if (e.allow.empty()) // no allow rule at all opens the agent: surely not what was meant
        r.failAt(at,
                 "an empty allow list allows every caller (an agent without allow rules is open)",
                 "To close the agent to everyone write deny: [\"*\"]; to open it, remove allow:");
    } else if (key == "deny")
      e.deny = readPatterns(v, at, r);
    else if (key == "mode")
      e.mode = readMode(v, at, r);
    else if (key == "max_concurrent")
      r.readInt(v, at, 1, 4096, e.maxConcurrent);
    else if (key == "queue")
      r.readInt(v, at, 0, 1024, e.queue);
  });
  if (id == "*" && (r.has(path + ".max_concurrent") || r.has(path + ".queue")))
    r.failAt(r.has(path + ".max_concurrent") ? path + ".max_concurrent" : path + ".queue",
             "admission limits belong to one agent, not to \"*\"",
             "Write max_concurrent: and queue: under the agent they limit; the node-wide limit "
             "is mesh.agent_workers");
  if (r.has(path + ".queue") && e.maxConcurrent == 0)
    r.failAt(path + ".queue", "a queue without max_concurrent never fills",
             "Add max_concurrent: N to " + path + ", or remove queue:");
  return e;
}

} // namespace

PolicyConfig readPolicy(const YAML::Node& node, FieldReader& r) {
  PolicyConfig p;
  if (node.IsNull())
    return p;
  r.requireMap(node, "policy",
               "Write policy: with indented keys such as agents: {opus: {allow: [node-b]}}");
  r.forEachEntry(node, "policy", kPolicyKeys, [&](const std::string& key, const YAML::Node& v) {
    const std::string path = "policy." + key;
    if (key == "mode") {
      p.mode = readMode(v, path, r);
    } else if (key == "forwarders") {
      p.forwarders = readPatterns(v, path, r);
      for (size_t i = 0; i < p.forwarders.size(); ++i) {
        if (p.forwarders[i] == "*")
          r.warn(r.markOf(path + "[" + std::to_string(i) + "]"),
                 path + ": \"*\" lets every node of the mesh name any caller, and so run what "
                        "the rules allow only others; list your entry nodes instead");
        if (p.forwarders[i].find('@') != std::string::npos)
          r.failAt(path + "[" + std::to_string(i) + "]",
                   r.quote(p.forwarders[i]) + " names an agent: forwarders are nodes",
                   "Write the node's name (gateway, \"edge-*\")");
      }
    } else if (key == "rate_limit") {
      if (v.IsNull())
        return;
      r.requireMap(v, path, "Write rate_limit: {per_minute: 600, burst: 20}");
      r.forEachEntry(v, path, kRateKeys, [&](const std::string& k, const YAML::Node& x) {
        if (k == "per_minute")
          r.readInt(x, path + ".per_minute", 1, 6000000, p.ratePerMinute);
        else
          r.readInt(x, path + ".burst", 1, 1000000, p.rateBurst);
      });
      if (p.ratePerMinute == 0)
        r.failAt(r.has(path + ".burst") ? path + ".burst" : path, "a rate limit needs per_minute",
                 "Add per_minute: N (tasks per caller node)");
    } else if (key == "agents") {
      if (v.IsNull())
        return;
      r.requireMap(v, path, "Write agents: as a map from agent id (or \"*\") to its rules");
      if (v.size() > policy::kMaxPolicyEntries)
        r.fail(v.Mark(), path,
               std::to_string(v.size()) + " entries, more than " +
                   std::to_string(policy::kMaxPolicyEntries),
               "Use the entry \"*\" for rules every agent shares");
      r.forEachEntry(v, path, {}, [&](const std::string& id, const YAML::Node& e) {
        p.agents.push_back(readEntry(id, e, r));
      });
    }
  });
  if (p.ratePerMinute > 0 && p.rateBurst == 0)
    p.rateBurst = std::max<int64_t>(1, (p.ratePerMinute + 59) / 60);
  return p;
}

} // namespace rivet::config
