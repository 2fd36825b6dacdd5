// `rivetctl policy check` as an operator runs it: the real rivetctl on real configuration files,
// one per rule shape (none, a node, an agent on a node, wildcards, deny over allow, the entry
// "*", audit mode, forwarders) and caller kind (a node, an agent of it, another agent, one
// forwarded by a trusted or an untrusted node), its exit codes, its usage and config errors;
// and its answers next to what a running rivetd with the same file answers over mTLS.
#include "MeshTestKit.hpp"
#include "TestSupport.hpp"

#include "rivet/sdk/json.hpp"

#include <gtest/gtest.h>

#include <sstream>
#include <sys/stat.h>

using namespace rivet::test;

namespace {

const char* const kAgents = "agents:\n  opus:\n    plugin: echo\n  sonnet:\n    plugin: echo\n";

// A configuration of node-a with the two agents and `policy` (YAML under `policy:`, "" for none).
std::string writeConfig(const TempDir& dir, const std::string& policy,
                        const std::string& agents = kAgents) {
  std::string path = dir.file("rivet.yaml");
  writeFile(path, "mesh:\n  node_name: node-a\n  storage_dir: " + dir.file("storage") +
                      "\n  state_dir: " + dir.file("state") + "\n" + agents +
                      (policy.empty() ? "" : "policy:\n" + policy));
  return path;
}

RunResult rivetctl(std::vector<std::string> args, const Env& env = {{"RIVET_CONFIG", ""}},
                   const std::string& cwd = "") {
  args.insert(args.begin(), binPath("rivetctl"));
  return run(args, env, std::chrono::seconds(30), cwd);
}

// rivetctl --config FILE policy check ARGS...
RunResult check(const std::string& config, std::vector<std::string> args) {
  args.insert(args.begin(), {"--config", config, "policy", "check"});
  return rivetctl(args);
}

std::string firstLine(const std::string& text) {
  return text.substr(0, text.find('\n'));
}

std::string lineWith(const std::string& text, const std::string& part) {
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    if (contains(line, part))
      return line;
  return "";
}

// Asserts the exit code and the decision line of one check.
void expectAnswer(const std::string& config, const std::vector<std::string>& args, int exitCode,
                  const std::string& line) {
  RunResult r = check(config, args);
  EXPECT_EQ(r.exitCode, exitCode) << args[0] << " -> " << args[1] << "\n" << r.out << r.err;
  EXPECT_EQ(firstLine(r.out), line) << args[0] << " -> " << args[1];
}

rivet::sdk::json::Value jsonOf(const RunResult& r) {
  auto v = rivet::sdk::json::tryParse(r.out);
  EXPECT_TRUE(v && v->isObject()) << r.out << r.err;
  return v ? *v : rivet::sdk::json::Value();
}

} // namespace

TEST(RivetctlPolicy, WithoutRulesEveryCallerMayRunEveryAgent) {
  TempDir dir;
  std::string config = writeConfig(dir, "");
  expectAnswer(config, {"node-b", "opus"}, 0, "allowed: no rule names agent opus");
  expectAnswer(config, {"planner@node-b", "opus@node-a"}, 0, "allowed: no rule names agent opus");
  expectAnswer(config, {"planner@node-a", "sonnet"}, 0, "allowed: no rule names agent sonnet");
  RunResult r = check(config, {"node-b", "opus"});
  EXPECT_EQ(r.out, "allowed: no rule names agent opus\n") << "no limits line without limits";
}

TEST(RivetctlPolicy, AllowingANodeAdmitsItAndItsAgentsAndNoOtherNode) {
  TempDir dir;
  std::string config = writeConfig(dir, "  agents:\n    opus: {allow: [node-b]}\n");
  const std::string byRule = "allowed by allow \"node-b\" in policy.agents.opus";
  expectAnswer(config, {"node-b", "opus"}, 0, byRule);
  expectAnswer(config, {"planner@node-b", "opus"}, 0, byRule);
  expectAnswer(config, {"NODE-B", "opus"}, 0, byRule); // node names are host names
  expectAnswer(config, {"node-c", "opus"}, 1, "denied: no allow rule of agent opus matches");
  expectAnswer(config, {"planner@node-c", "opus"}, 1,
               "denied: no allow rule of agent opus matches");
  // The rules of opus are not sonnet's.
  expectAnswer(config, {"node-c", "sonnet"}, 0, "allowed: no rule names agent sonnet");
}

TEST(RivetctlPolicy, AllowingAnAgentOnANodeAdmitsOnlyThatAgent) {
  TempDir dir;
  std::string config = writeConfig(dir, "  agents:\n    opus:\n      allow: [planner@node-b]\n");
  const std::string no = "denied: no allow rule of agent opus matches";
  expectAnswer(config, {"planner@node-b", "opus"}, 0,
               "allowed by allow \"planner@node-b\" in policy.agents.opus");
  expectAnswer(config, {"coder@node-b", "opus"}, 1, no);   // another agent of that node
  expectAnswer(config, {"node-b", "opus"}, 1, no);         // the node without an agent
  expectAnswer(config, {"planner@node-c", "opus"}, 1, no); // that agent id on another node
  expectAnswer(config, {"Planner@node-b", "opus"}, 1, no); // agent ids compare exactly
}

TEST(RivetctlPolicy, WildcardsMatchWithinTheirPart) {
  TempDir dir;
  std::string config = writeConfig(dir, "  agents:\n"
                                        "    opus: {allow: [\"lab-*\", \"*@node-b\"]}\n"
                                        "    sonnet: {allow: [\"planner@*\"]}\n");
  expectAnswer(config, {"lab-7", "opus"}, 0, "allowed by allow \"lab-*\" in policy.agents.opus");
  expectAnswer(config, {"x@lab-7", "opus"}, 0, "allowed by allow \"lab-*\" in policy.agents.opus");
  expectAnswer(config, {"coder@node-b", "opus"}, 0,
               "allowed by allow \"*@node-b\" in policy.agents.opus");
  expectAnswer(config, {"node-b", "opus"}, 0,
               "allowed by allow \"*@node-b\" in policy.agents.opus");
  expectAnswer(config, {"mylab-7", "opus"}, 1, "denied: no allow rule of agent opus matches");
  expectAnswer(config, {"coder@node-c", "opus"}, 1, "denied: no allow rule of agent opus matches");
  expectAnswer(config, {"planner@node-z", "sonnet"}, 0,
               "allowed by allow \"planner@*\" in policy.agents.sonnet");
  expectAnswer(config, {"coder@node-z", "sonnet"}, 1,
               "denied: no allow rule of agent sonnet matches");
  expectAnswer(config, {"node-z", "sonnet"}, 1, "denied: no allow rule of agent sonnet matches");

  TempDir open;
  std::string everyone = writeConfig(open, "  agents:\n    opus: {allow: [\"*\"]}\n");
  expectAnswer(everyone, {"anything@node-q", "opus"}, 0,
               "allowed by allow \"*\" in policy.agents.opus");
  expectAnswer(everyone, {"node-q", "opus"}, 0, "allowed by allow \"*\" in policy.agents.opus");
}

TEST(RivetctlPolicy, ADenyRuleBeatsAnAllowRule) {
  TempDir dir;
  std::string config =
      writeConfig(dir, "  agents:\n    opus: {allow: [\"lab-*\"], deny: [lab-9, \"spy@*\"]}\n");
  expectAnswer(config, {"lab-1", "opus"}, 0, "allowed by allow \"lab-*\" in policy.agents.opus");
  expectAnswer(config, {"lab-9", "opus"}, 1, "denied by deny \"lab-9\" in policy.agents.opus");
  expectAnswer(config, {"planner@lab-9", "opus"}, 1,
               "denied by deny \"lab-9\" in policy.agents.opus");
  expectAnswer(config, {"spy@lab-1", "opus"}, 1, "denied by deny \"spy@*\" in policy.agents.opus");
}

TEST(RivetctlPolicy, TheStarEntryAppliesToEveryAgentWithItsOwnRules) {
  TempDir dir;
  std::string config = writeConfig(dir, "  agents:\n"
                                        "    \"*\": {deny: [\"lab-*\"]}\n"
                                        "    opus: {allow: [node-b, lab-1]}\n");
  // The deny of "*" beats opus's own allow.
  expectAnswer(config, {"lab-1", "opus"}, 1, "denied by deny \"lab-*\" in policy.agents.*");
  expectAnswer(config, {"node-b", "opus"}, 0, "allowed by allow \"node-b\" in policy.agents.opus");
  expectAnswer(config, {"node-c", "opus"}, 1, "denied: no allow rule of agent opus matches");
  // sonnet has no entry of its own: only "*"'s deny applies to it.
  expectAnswer(config, {"lab-3", "sonnet"}, 1, "denied by deny \"lab-*\" in policy.agents.*");
  expectAnswer(config, {"node-c", "sonnet"}, 0,
               "allowed: no deny rule of agent sonnet matches, and it has no allow rule");

  TempDir shared;
  std::string allowAll = writeConfig(shared, "  agents:\n"
                                             "    \"*\": {allow: [node-b]}\n"
                                             "    opus: {allow: [node-c]}\n");
  expectAnswer(allowAll, {"node-b", "opus"}, 0, "allowed by allow \"node-b\" in policy.agents.*");
  expectAnswer(allowAll, {"node-c", "opus"}, 0,
               "allowed by allow \"node-c\" in policy.agents.opus");
  expectAnswer(allowAll, {"node-c", "sonnet"}, 1, "denied: no allow rule of agent sonnet matches");
  RunResult r = check(allowAll, {"node-d", "sonnet", "--json"});
  EXPECT_EQ(jsonOf(r).getString("entry"), "*") << r.out;
}

TEST(RivetctlPolicy, AuditModeNodeWideRunsWhatItWouldDenyWithExitZero) {
  TempDir dir;
  std::string config = writeConfig(dir, "  mode: audit\n  agents:\n    opus: {allow: [node-b]}\n");
  expectAnswer(config, {"node-c", "opus"}, 0,
               "audit-denied: no allow rule of agent opus matches (audit mode: it runs)");
  expectAnswer(config, {"node-b", "opus"}, 0, "allowed by allow \"node-b\" in policy.agents.opus");
  RunResult r = check(config, {"node-c", "opus", "--json"});
  EXPECT_EQ(r.exitCode, 0);
  EXPECT_EQ(jsonOf(r).getString("decision"), "audit-denied") << r.out;
}

TEST(RivetctlPolicy, AuditModeOfOneAgentLeavesTheOthersEnforced) {
  TempDir dir;
  std::string config = writeConfig(dir, "  agents:\n"
                                        "    \"*\": {deny: [\"lab-*\"]}\n"
                                        "    opus: {mode: audit}\n");
  expectAnswer(config, {"lab-2", "opus"}, 0,
               "audit-denied by deny \"lab-*\" in policy.agents.* (audit mode: it runs)");
  expectAnswer(config, {"lab-2", "sonnet"}, 1, "denied by deny \"lab-*\" in policy.agents.*");

  TempDir enforced; // the node audits, one agent enforces
  std::string mixed = writeConfig(enforced, "  mode: audit\n  agents:\n"
                                            "    \"*\": {deny: [node-x]}\n"
                                            "    sonnet: {mode: enforce}\n");
  expectAnswer(mixed, {"node-x", "opus"}, 0,
               "audit-denied by deny \"node-x\" in policy.agents.* (audit mode: it runs)");
  expectAnswer(mixed, {"node-x", "sonnet"}, 1, "denied by deny \"node-x\" in policy.agents.*");
}

TEST(RivetctlPolicy, AForwardedCallerIsBelievedOnlyFromATrustedForwarder) {
  TempDir dir;
  std::string config = writeConfig(dir, "  forwarders: [gateway, \"edge-*\"]\n"
                                        "  agents:\n    opus: {allow: [planner@node-b]}\n");
  RunResult trusted = check(config, {"planner@node-b", "opus", "--via", "gateway"});
  EXPECT_EQ(trusted.exitCode, 0) << trusted.out << trusted.err;
  EXPECT_EQ(firstLine(trusted.out), "allowed by allow \"planner@node-b\" in policy.agents.opus");
  EXPECT_TRUE(contains(lineWith(trusted.out, "via gateway"), "believed")) << trusted.out;
  EXPECT_FALSE(contains(trusted.out, "not believed")) << trusted.out;
  expectAnswer(config, {"planner@node-b", "opus", "--via", "edge-3"}, 0,
               "allowed by allow \"planner@node-b\" in policy.agents.opus");

  RunResult untrusted = check(config, {"planner@node-b", "opus", "--via", "rogue"});
  EXPECT_EQ(untrusted.exitCode, 1) << untrusted.out << untrusted.err;
  EXPECT_EQ(firstLine(untrusted.out), "denied: no allow rule of agent opus matches");
  std::string via = lineWith(untrusted.out, "via rogue");
  EXPECT_TRUE(contains(via, "not believed")) << untrusted.out;
  EXPECT_TRUE(contains(via, "unknown caller")) << untrusted.out;
  auto j = jsonOf(check(config, {"planner@node-b", "opus", "--via", "rogue", "--json"}));
  EXPECT_EQ(j.getBool("believed"), false);
  ASSERT_NE(j.find("believedCaller"), nullptr);
  EXPECT_TRUE(j.find("believedCaller")->isNull());
  EXPECT_EQ(j.getString("via"), "rogue");
  EXPECT_EQ(j.getString("caller"), "planner@node-b");

  // Not believed, the caller is unknown: only "*" matches it, and the rogue node is not it.
  TempDir open;
  std::string star = writeConfig(open, "  agents:\n    opus: {allow: [\"*\"]}\n"
                                       "    sonnet: {allow: [rogue]}\n");
  expectAnswer(star, {"planner@node-b", "opus", "--via", "rogue"}, 0,
               "allowed by allow \"*\" in policy.agents.opus");
  expectAnswer(star, {"planner@node-b", "sonnet", "--via", "rogue"}, 1,
               "denied: no allow rule of agent sonnet matches");
  // The caller's own node forwarding is the caller itself.
  expectAnswer(star, {"planner@rogue", "sonnet", "--via", "rogue"}, 0,
               "allowed by allow \"rogue\" in policy.agents.sonnet");
}

TEST(RivetctlPolicy, AnAgentOfAnotherNodeIsAUsageErrorThatNamesTheFilesNode) {
  TempDir dir;
  std::string config = writeConfig(dir, "  agents:\n    opus: {allow: [node-b]}\n");
  RunResult r = check(config, {"node-b", "opus@node-z"});
  EXPECT_EQ(r.exitCode, 2) << r.out << r.err;
  EXPECT_TRUE(r.out.empty()) << r.out;
  EXPECT_TRUE(contains(r.err, config + " is node node-a's configuration")) << r.err;
  EXPECT_TRUE(contains(r.err, "pass --config with node-z's rivet.yaml")) << r.err;
  expectAnswer(config, {"node-b", "opus@Node-A"}, 0,
               "allowed by allow \"node-b\" in policy.agents.opus");
}

TEST(RivetctlPolicy, ABadCallerAgentOrForwarderIsAUsageError) {
  TempDir dir;
  std::string config = writeConfig(dir, "");
  struct Bad {
    std::vector<std::string> args;
    std::string says;
  };
  const std::vector<Bad> bad = {
      {{"*", "opus"}, "is a pattern"},
      {{"lab-*", "opus"}, "is a pattern"},
      {{"planner@*", "opus"}, "is a pattern"},
      {{"a@b@c", "opus"}, "more than one '@'"},
      {{"@node-b", "opus"}, "no agent before '@'"},
      {{"planner@", "opus"}, "has no node name"},
      {{"", "opus"}, "has no node name"},
      {{"node b", "opus"}, "is not a node name"},
      {{"-node", "opus"}, "unknown option"},
      {{"pl/anner@node-b", "opus"}, "is not an agent id"},
      {{"node-b.mesh", "opus"}, "without \".mesh\" (node-b)"},
      {{"node-b", "op*s"}, "is a pattern"},
      {{"node-b", "@node-a"}, "AGENT is empty"},
      {{"node-b", "opus", "--via", "edge-*"}, "is a pattern"},
      {{"node-b", "opus", "--via"}, "--via needs a NODE"},
      {{"node-b"}, "give CALLER and AGENT[@NODE]"},
      {{"node-b", "opus", "extra"}, "too many arguments"},
      {{"node-b", "opus", "--verbose"}, "unknown option '--verbose'"},
  };
  for (const auto& b : bad) {
    RunResult r = check(config, b.args);
    EXPECT_EQ(r.exitCode, 2) << b.says << "\n" << r.out << r.err;
    EXPECT_TRUE(r.out.empty()) << r.out;
    EXPECT_TRUE(contains(r.err, b.says)) << r.err;
    EXPECT_TRUE(contains(r.err, "see rivetctl policy check --help")) << r.err;
  }
  RunResult noSub = rivetctl({"--config", config, "policy", "show"});
  EXPECT_EQ(noSub.exitCode, 2);
  EXPECT_TRUE(contains(noSub.err, "unknown subcommand 'show' (check)")) << noSub.err;
}

TEST(RivetctlPolicy, ABrokenConfigurationNamesTheFileAndTheKey) {
  TempDir dir;
  std::string config = writeConfig(dir, "  agents:\n    opus: {allow: [\"a@b@c\"]}\n");
  RunResult r = check(config, {"node-b", "opus"});
  EXPECT_EQ(r.exitCode, 2) << r.out << r.err;
  EXPECT_TRUE(r.out.empty()) << r.out;
  EXPECT_TRUE(contains(r.err, config + ":")) << r.err;
  EXPECT_TRUE(contains(r.err, "policy.agents.opus.allow[0]")) << r.err;
  EXPECT_TRUE(contains(r.err, "more than one '@'")) << r.err;

  TempDir mode;
  std::string badMode = writeConfig(mode, "  mode: strict\n");
  r = check(badMode, {"node-b", "opus"});
  EXPECT_EQ(r.exitCode, 2);
  EXPECT_TRUE(contains(r.err, badMode + ":") && contains(r.err, "policy.mode")) << r.err;

  r = check(dir.file("missing.yaml"), {"node-b", "opus"});
  EXPECT_EQ(r.exitCode, 2);
  EXPECT_TRUE(contains(r.err, dir.file("missing.yaml"))) << r.err;

  // A FIFO nobody writes to is refused at once, not read forever.
  ASSERT_EQ(::mkfifo(dir.file("fifo.yaml").c_str(), 0600), 0);
  r = check(dir.file("fifo.yaml"), {"node-b", "opus"});
  EXPECT_EQ(r.exitCode, 2) << r.err;
  EXPECT_TRUE(contains(r.err, dir.file("fifo.yaml") + ": cannot read the configuration file: it "
                                                      "is a FIFO"))
      << r.err;
}

TEST(RivetctlPolicy, LoaderWarningsShowAMisspelledKeyThatLeavesNoRules) {
  TempDir dir;
  std::string config = writeConfig(dir, "  agnets:\n    opus: {allow: [node-b]}\n");
  RunResult r = check(config, {"node-c", "opus"});
  EXPECT_EQ(r.exitCode, 0) << r.err; // the rules are not read: no rules
  EXPECT_EQ(r.out, "allowed: no rule names agent opus\n");
  EXPECT_TRUE(contains(r.err, "rivetctl policy check: warning: " + config + ":")) << r.err;
  EXPECT_TRUE(contains(r.err, "unknown key policy.agnets (did you mean policy.agents?)")) << r.err;
}

TEST(RivetctlPolicy, JsonCarriesTheDecisionTheRuleAndTheLimits) {
  TempDir dir;
  std::string config = writeConfig(dir, "  rate_limit: {per_minute: 120}\n"
                                        "  agents:\n"
                                        "    opus: {allow: [\"planner@*\"], max_concurrent: 2, "
                                        "queue: 3}\n");
  RunResult r = check(config, {"planner@node-b", "opus@node-a", "--json"});
  EXPECT_EQ(r.exitCode, 0) << r.err;
  auto j = jsonOf(r);
  EXPECT_EQ(j.getString("decision"), "allowed");
  EXPECT_EQ(j.getString("kind"), "allow");
  EXPECT_EQ(j.getString("rule"), "planner@*");
  EXPECT_EQ(j.getString("entry"), "opus");
  EXPECT_EQ(j.getString("explain"), "allowed by allow \"planner@*\" in policy.agents.opus");
  EXPECT_EQ(j.getString("agent"), "opus");
  EXPECT_EQ(j.getString("node"), "node-a");
  EXPECT_EQ(j.getString("caller"), "planner@node-b");
  EXPECT_EQ(j.getString("believedCaller"), "planner@node-b");
  EXPECT_EQ(j.getBool("believed"), true);
  EXPECT_EQ(j.getBool("configured"), true);
  EXPECT_EQ(j.getInteger("maxConcurrent"), 2);
  EXPECT_EQ(j.getInteger("queue"), 3);
  EXPECT_EQ(j.getInteger("ratePerMinute"), 120);
  EXPECT_EQ(j.getInteger("rateBurst"), 2); // a second's worth
  ASSERT_NE(j.find("via"), nullptr);
  EXPECT_TRUE(j.find("via")->isNull());

  RunResult denied = check(config, {"coder@node-b", "opus", "--json"});
  EXPECT_EQ(denied.exitCode, 1);
  auto d = jsonOf(denied);
  EXPECT_EQ(d.getString("decision"), "denied");
  EXPECT_EQ(d.getString("kind"), "not-allowed");
  ASSERT_NE(d.find("rule"), nullptr);
  EXPECT_TRUE(d.find("rule")->isNull());

  RunResult text = check(config, {"planner@node-b", "opus"});
  EXPECT_EQ(lineWith(text.out, "limits:"),
            "limits: agent opus: at most 2 running and 3 waiting (policy.agents.opus."
            "max_concurrent, queue); node node-a: 120 tasks a minute per caller node, burst 2 "
            "(policy.rate_limit)")
      << text.out;
  RunResult sonnet = check(config, {"planner@node-b", "sonnet", "--json"});
  auto s = jsonOf(sonnet);
  ASSERT_NE(s.find("maxConcurrent"), nullptr);
  EXPECT_TRUE(s.find("maxConcurrent")->isNull());
}

TEST(RivetctlPolicy, AnAgentNotUnderAgentsIsAnsweredWithANote) {
  TempDir dir;
  std::string config = writeConfig(dir, "  agents:\n    \"*\": {allow: [node-b]}\n");
  RunResult r = check(config, {"node-b", "haiku"});
  EXPECT_EQ(r.exitCode, 0) << r.err;
  EXPECT_EQ(firstLine(r.out), "allowed by allow \"node-b\" in policy.agents.*");
  EXPECT_TRUE(contains(r.err, "no agent haiku under agents: of " + config)) << r.err;
  EXPECT_TRUE(contains(r.err, "dropped in")) << r.err;
  EXPECT_EQ(jsonOf(check(config, {"node-b", "haiku", "--json"})).getBool("configured"), false);
  RunResult known = check(config, {"node-b", "opus"});
  EXPECT_FALSE(contains(known.err, "note:")) << known.err;
}

TEST(RivetctlPolicy, FindsTheConfigurationAsEveryCommandDoes) {
  TempDir dir;
  std::string config = writeConfig(dir, "  agents:\n    opus: {deny: [node-b]}\n");
  const std::string denied = "denied by deny \"node-b\" in policy.agents.opus\n";
  RunResult after = rivetctl({"policy", "check", "node-b", "opus", "--config", config});
  EXPECT_EQ(after.exitCode, 1) << after.err;
  EXPECT_EQ(after.out, denied);
  RunResult env = rivetctl({"policy", "check", "node-b", "opus"}, {{"RIVET_CONFIG", config}});
  EXPECT_EQ(env.exitCode, 1) << env.err;
  EXPECT_EQ(env.out, denied);
  RunResult none =
      rivetctl({"policy", "check", "node-b", "opus"}, {{"RIVET_CONFIG", ""}}, dir.path());
  EXPECT_EQ(none.exitCode, 2);
  EXPECT_TRUE(contains(none.err, "no configuration file; tried")) << none.err;
  RunResult twice = rivetctl(
      {"--config", config, "policy", "check", "node-b", "opus", "--config", dir.file("x.yaml")});
  EXPECT_EQ(twice.exitCode, 2);
  EXPECT_TRUE(contains(twice.err, "--config given twice")) << twice.err;
}

TEST(RivetctlPolicy, HelpDescribesTheCommandAndTheMainHelpListsIt) {
  RunResult help = rivetctl({"policy", "check", "--help"});
  EXPECT_EQ(help.exitCode, 0);
  EXPECT_TRUE(contains(help.out, "usage: rivetctl [--config FILE] policy check CALLER AGENT"));
  EXPECT_TRUE(contains(help.out, "--via NODE"));
  EXPECT_TRUE(contains(help.out, "exit status: 0 allowed"));
  RunResult main = rivetctl({"--help"});
  EXPECT_TRUE(contains(main.out, "\n  policy check CALLER AGENT[@NODE]")) << main.out;
}

TEST(RivetctlPolicy, AgreesWithWhatTheRunningNodeEnforces) {
  TestPki pki;
  for (const char* peer : {"node-b", "lab-9", "gateway", "rogue"})
    pki.issueNode(peer);
  NodeSettings settings = nodeSettings(pki, "node-a");
  settings.agentsYaml = kAgents;
  settings.tailYaml = "policy:\n  forwarders: [gateway]\n  agents:\n"
                      "    \"*\": {deny: [\"lab-*\"]}\n"
                      "    opus: {allow: [planner@node-b]}\n"
                      "    sonnet: {allow: [\"*\"]}\n";
  NodeProcess node(settings);
  ASSERT_TRUE(node.ready()) << node.output();
  struct Case {
    std::string cert, fromAgent, caller, agent; // caller: the forwarded `caller` field, or ""
    int status;                                 // what the node answers
  };
  const std::vector<Case> cases = {
      {"node-b", "planner", "", "opus", 200},        {"node-b", "coder", "", "opus", 403},
      {"lab-9", "planner", "", "sonnet", 403},       {"node-b", "coder", "", "sonnet", 200},
      {"gateway", "planner", "node-b", "opus", 200}, {"rogue", "planner", "node-b", "opus", 403},
      {"rogue", "planner", "node-b", "sonnet", 200}, {"gateway", "x", "lab-9", "sonnet", 403},
  };
  for (const auto& c : cases) {
    const std::string what = c.fromAgent + "@" + (c.caller.empty() ? c.cert : c.caller) + " -> " +
                             c.agent + (c.caller.empty() ? "" : " via " + c.cert);
    TestTlsClient client(clientOptions(pki, c.cert, "node-a.mesh"));
    ASSERT_TRUE(client.connect(node.port())) << client.error();
    HttpResponse r;
    std::string body = R"({"fromAgent":")" + c.fromAgent + R"(","message":"hi","toAgent":")" +
                       c.agent + "\"" +
                       (c.caller.empty() ? "" : R"(,"caller":"cn:)" + c.caller + "\"") + "}";
    ASSERT_TRUE(client.request("POST", "/api/message", body, r)) << client.error();
    EXPECT_EQ(r.status, c.status) << what << ": " << r.body;

    std::vector<std::string> args = {c.fromAgent + "@" + (c.caller.empty() ? c.cert : c.caller),
                                     c.agent + "@node-a"};
    if (!c.caller.empty())
      args.insert(args.end(), {"--via", c.cert});
    RunResult answer = check(node.configPath(), args);
    EXPECT_EQ(answer.exitCode, r.status == 200 ? 0 : 1)
        << what << ": the node answered " << r.status << ", policy check said " << answer.out
        << answer.err;
  }
}
