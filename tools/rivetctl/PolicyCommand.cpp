// The task is built as it arrives at the node (an Arrival: the certificate that sends it, the
// caller it claims) and goes through policy::Gate::callerOf and decide, the code the node runs;
// nothing here interprets the rules. Exit 2, not 1, for a configuration error: 1 means denied.
#include "PolicyCommand.hpp"

#include "LocalNode.hpp"
#include "config/NameRules.hpp"
#include "policy/Gate.hpp"
#include "util/JsonText.hpp"

#include <algorithm>
#include <iostream>
#include <optional>

namespace rivet::ctl {
namespace {

const char* kPolicyUsage =
    R"usage(usage: rivetctl [--config FILE] policy check CALLER AGENT[@NODE] [--config FILE]
                                     [--via NODE] [--json]

Answers offline, from a configuration file, what the node of that file would do with a task
for AGENT from CALLER: the rules of its policy: section (policy.agents.AGENT, policy.agents."*",
the modes, policy.forwarders), decided by the same code the node runs when a task arrives.
Nothing is sent to any node.

arguments:
  CALLER          who asks: a node (node-b: any agent of it, or none given) or an agent on
                  a node (planner@node-b); a concrete caller, no wildcards
  AGENT[@NODE]    the agent asked for; NODE, when given, must be the configuration's
                  mesh.node_name (the rules are that node's: for another node, pass --config
                  with its rivet.yaml). An agent not under agents: is answered too, as an
                  agent of that id dropped in later would be treated

options:
  --config FILE   the configuration (also before the command); default as for every command:
                  $RIVET_CONFIG, else ./config/rivet.yaml, else /etc/rivet/rivet.yaml
  --via NODE      the task comes forwarded by NODE, which names CALLER in its caller field
                  ("cn:<node>"); the node believes that only when NODE matches
                  policy.forwarders, and otherwise treats the task as an unknown caller's
  --json          print {"decision","kind","rule","entry","explain","agent","node",
                  "configured","caller","via","believed","believedCaller","maxConcurrent",
                  "queue","ratePerMinute","rateBurst","note"}
  --help          show this help

output: one line with the decision and the rule behind it (allowed by allow "node-b" in
policy.agents.opus; denied: no allow rule of agent opus matches; audit-denied ... (audit
mode: it runs)); with --via, whether the forwarded caller is believed; then the agent's
admission limits (max_concurrent, queue) and the node's rate limit, when set. Free places and
the rate limit are not checked: they depend on the moment the task arrives.

exit status: 0 allowed (also audit-denied: audit mode runs the task), 1 denied, 2 usage error,
             no configuration, a configuration error, or NODE is not the configuration's node
)usage";

struct Query {
  std::string configPath;
  std::string callerText, callerNode, callerAgent;
  std::string agent, node; // node: "" when not given
  std::string via;
  bool json = false;
};

// Why `name` cannot be a node name here ("" when it can); `what` names it in the message. A
// caller or forwarder is named as the node sees it, by its certificate's CN without ".mesh".
std::string nodeProblem(const std::string& name, const std::string& what, bool peer = true) {
  if (name.empty())
    return what + " has no node name";
  if (name.find('*') != std::string::npos)
    return what + " '" + printable(name) +
           "' is a pattern; give one concrete node (node-b), not a wildcard";
  if (!config::isNodeName(name))
    return what + " '" + printable(name) +
           "' is not a node name (a letter or digit, then letters, digits, '_', '.', '-')";
  if (peer && name.size() > 5 && name.compare(name.size() - 5, 5, ".mesh") == 0)
    return what + " '" + printable(name) + "': give the node's name without \".mesh\" (" +
           printable(name.substr(0, name.size() - 5)) +
           "); the node drops it from the certificate's CN";
  return "";
}

std::string agentProblem(const std::string& id, const std::string& what) {
  if (id.find('*') != std::string::npos)
    return what + " '" + printable(id) +
           "' is a pattern; give one concrete agent id (planner), not a wildcard";
  if (!config::isAgentId(id))
    return what + " '" + printable(id) + "' is not an agent id (letters, digits, '_', '.', '-')";
  return "";
}

// Splits CALLER, "node" or "agent@node"; the problem, or "".
std::string splitCaller(const std::string& text, Query& q) {
  size_t at = text.find('@');
  if (at == std::string::npos) {
    q.callerNode = text;
    return nodeProblem(text, "CALLER");
  }
  if (text.find('@', at + 1) != std::string::npos)
    return "CALLER '" + printable(text) + "' has more than one '@'; give node-b or planner@node-b";
  q.callerAgent = text.substr(0, at);
  q.callerNode = text.substr(at + 1);
  if (q.callerAgent.empty())
    return "CALLER '" + printable(text) +
           "' has no agent before '@'; give node-b or planner@node-b";
  std::string p = agentProblem(q.callerAgent, "the agent of CALLER");
  return p.empty() ? nodeProblem(q.callerNode, "the node of CALLER") : p;
}

std::string splitTarget(const std::string& text, Query& q) {
  size_t at = text.find('@');
  q.agent = text.substr(0, at);
  if (q.agent.empty())
    return "AGENT is empty; give the agent's id (opus, or opus@node-a)";
  if (std::string p = agentProblem(q.agent, "AGENT"); !p.empty())
    return p;
  if (at == std::string::npos)
    return "";
  q.node = text.substr(at + 1);
  return nodeProblem(q.node, "the NODE of AGENT@NODE", false);
}

// The arguments, or nullopt after printing the usage error (`exit` set) or the help.
std::optional<Query> parse(const std::string& globalConfig, const std::vector<std::string>& args,
                           int& exit) {
  exit = kExitUsage;
  for (const auto& a : args)
    if (a == "--help" || a == "-h") {
      std::cout << kPolicyUsage;
      exit = kExitOk;
      return std::nullopt;
    }
  if (args.empty() || args[0] != "check") {
    usageError("policy", args.empty() ? "no subcommand (check)"
                                      : "unknown subcommand '" + printable(args[0]) + "' (check)");
    return std::nullopt;
  }
  Query q;
  q.configPath = globalConfig;
  std::vector<std::string> positional;
  for (size_t i = 1; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--json") {
      q.json = true;
    } else if (a == "--config" || a == "--via") {
      if (i + 1 >= args.size() || args[i + 1].empty()) {
        usageError("policy check", a + (a == "--via" ? " needs a NODE" : " needs a FILE"));
        return std::nullopt;
      }
      std::string& slot = a == "--via" ? q.via : q.configPath;
      if (!slot.empty() && slot != args[i + 1]) {
        usageError("policy check", a + " given twice ('" + printable(slot) + "' and '" +
                                       printable(args[i + 1]) + "')");
        return std::nullopt;
      }
      slot = args[++i];
    } else if (a.size() > 1 && a[0] == '-') {
      usageError("policy check", "unknown option '" + printable(a) + "'");
      return std::nullopt;
    } else {
      positional.push_back(a);
    }
  }
  if (positional.size() != 2) {
    usageError("policy check", positional.size() < 2
                                   ? "give CALLER and AGENT[@NODE]"
                                   : "too many arguments ('" + printable(positional[2]) + "')");
    return std::nullopt;
  }
  q.callerText = positional[0];
  std::string problem = splitCaller(positional[0], q);
  if (problem.empty())
    problem = splitTarget(positional[1], q);
  if (problem.empty() && !q.via.empty())
    problem = nodeProblem(q.via, "--via");
  if (!problem.empty()) {
    usageError("policy check", problem);
    return std::nullopt;
  }
  return q;
}

std::string jsonOrNull(const std::string& s) {
  return s.empty() ? "null" : util::jsonString(s);
}

std::string numberOrNull(int64_t n, bool set) {
  return set ? std::to_string(n) : "null";
}

} // namespace

int policyCommand(const std::string& configPath, const std::vector<std::string>& args) {
  int exit = kExitUsage;
  std::optional<Query> parsed = parse(configPath, args, exit);
  if (!parsed)
    return exit;
  const Query& q = *parsed;

  std::string tried;
  const std::string path = findConfigPath(q.configPath, tried);
  config::LoadResult loaded;
  if (!loadConfig(path.empty() ? q.configPath : path, loaded))
    return kExitUsage; // not 1: that would read as "denied"
  const config::Config& c = loaded.config;
  const std::string& self = c.mesh.nodeName;
  const std::string file = printable(c.sourcePath);
  for (const auto& w : loaded.warnings)
    std::cerr << "rivetctl policy check: warning: " << printable(w) << "\n";
  if (!q.node.empty() && !policy::sameNode(q.node, self)) {
    std::cerr << "rivetctl policy check: " << file << " is node " << printable(self)
              << "'s configuration (mesh.node_name), not node " << q.node
              << "'s; its rules are in node " << q.node << "'s own file: pass --config with "
              << q.node << "'s rivet.yaml\n";
    return kExitUsage;
  }

  // The task as it arrives: sent by the caller's node itself (one of this node's own agents
  // has no peer certificate), or forwarded by --via naming the caller.
  policy::Arrival arrival;
  arrival.agent = q.agent;
  arrival.fromAgent = q.callerAgent;
  if (!q.via.empty()) {
    arrival.peerNode = q.via;
    arrival.peerCn = q.via + ".mesh";
    arrival.claimed = "cn:" + q.callerNode;
  } else {
    arrival.peerNode = q.callerNode;
    arrival.peerCn = q.callerNode == self ? "" : q.callerNode + ".mesh";
  }
  policy::Gate gate(c.policy, self);
  const policy::Caller believed = gate.callerOf(arrival);
  const policy::Decision d = gate.decide(q.agent, believed);
  const std::string decision = d.audit ? "audit-denied" : d.allowed ? "allowed" : "denied";
  const std::string explain = d.explain(q.agent);

  const config::AgentPolicyConfig* limits = nullptr;
  for (const auto& e : c.policy.agents) // the last entry with limits, as the Gate keeps it
    if (e.agent == q.agent && e.maxConcurrent > 0)
      limits = &e;
  bool configured = false;
  for (const auto& a : c.agents)
    configured = configured || a.id == q.agent;
  std::string note;
  if (!c.agentsSectionPresent)
    note = file +
           " has no agents: section: the node runs every agent plugin it finds, under the "
           "plugin's name; if " +
           q.agent + " is one, this is its answer";
  else if (!configured)
    note = "no agent " + q.agent + " under agents: of " + file +
           "; these rules would apply to an agent of that id dropped in (plugins.agents_dir)";
  // Without agents: the agents are whatever plugins the node finds: not known from the file.
  const std::string configuredJson = !c.agentsSectionPresent ? "null"
                                     : configured            ? "true"
                                                             : "false";

  std::string forwarders;
  for (const auto& f : c.policy.forwarders)
    forwarders += (forwarders.empty() ? "" : ", ") + f;
  std::string viaLine;
  if (!q.via.empty()) {
    if (believed.node.empty())
      viaLine = "via " + q.via + ": not believed: " + q.via + " matches no entry of " +
                (forwarders.empty() ? "policy.forwarders (not set)"
                                    : "policy.forwarders (" + forwarders + ")") +
                ", so node " + self + " treats the task as an unknown caller's, not " +
                q.callerText + "'s; add " + q.via +
                " to policy.forwarders if it forwards tasks for other nodes";
    else if (believed.node == q.via)
      viaLine = "via " + q.via + ": believed: the caller's own node sends it";
    else
      viaLine = "via " + q.via + ": believed: " + q.via + " matches policy.forwarders (" +
                forwarders + "), so node " + self + " takes the caller it names, " +
                believed.text();
  }

  if (q.json) {
    std::string out =
        "{\"decision\":" + util::jsonString(decision) + ",\"kind\":" + util::jsonString(d.kind) +
        ",\"rule\":" + jsonOrNull(d.pattern) + ",\"entry\":" + jsonOrNull(d.entry) +
        ",\"explain\":" + util::jsonString(explain) + ",\"agent\":" + util::jsonString(q.agent) +
        ",\"node\":" + util::jsonString(self) + ",\"configured\":" + configuredJson +
        ",\"caller\":" + util::jsonString(q.callerText) + ",\"via\":" + jsonOrNull(q.via) +
        ",\"believed\":" + (believed.node.empty() ? "false" : "true") + ",\"believedCaller\":" +
        (believed.node.empty() ? std::string("null") : util::jsonString(believed.text())) +
        ",\"maxConcurrent\":" + numberOrNull(limits ? limits->maxConcurrent : 0, limits) +
        ",\"queue\":" + numberOrNull(limits ? limits->queue : 0, limits) +
        ",\"ratePerMinute\":" + numberOrNull(c.policy.ratePerMinute, c.policy.ratePerMinute > 0) +
        ",\"rateBurst\":" + numberOrNull(c.policy.rateBurst, c.policy.ratePerMinute > 0) +
        ",\"note\":" + jsonOrNull(note) + "}";
    std::cout << out << "\n";
    return d.allowed ? kExitOk : kExitFailed;
  }

  std::cout << explain << "\n"; // it starts with the decision: allowed, denied or audit-denied
  if (!viaLine.empty())
    std::cout << viaLine << "\n";
  std::string limitsLine;
  if (limits)
    limitsLine = "agent " + q.agent + ": at most " + std::to_string(limits->maxConcurrent) +
                 " running and " + std::to_string(limits->queue) + " waiting (policy.agents." +
                 q.agent + ".max_concurrent, queue)";
  if (c.policy.ratePerMinute > 0)
    limitsLine += (limitsLine.empty() ? "" : "; ") + std::string("node ") + self + ": " +
                  std::to_string(c.policy.ratePerMinute) +
                  " tasks a minute per caller node, burst " + std::to_string(c.policy.rateBurst) +
                  " (policy.rate_limit)";
  if (!limitsLine.empty())
    std::cout << "limits: " << limitsLine << "\n";
  if (!note.empty())
    std::cerr << "rivetctl policy check: note: " << note << "\n";
  return d.allowed ? kExitOk : kExitFailed;
}

} // namespace rivet::ctl
