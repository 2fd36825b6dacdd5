// rivetctl: the operator's command line: the CA, node calls, the registry, plugins, benchmarks.
#include "A2aCommand.hpp"
#include "BenchCommand.hpp"
#include "CaCommand.hpp"
#include "CheckCommand.hpp"
#include "DelegateCommand.hpp"
#include "ForgetCommand.hpp"
#include "ListCommand.hpp"
#include "NodeCommand.hpp"
#include "PluginCommand.hpp"
#include "PolicyCommand.hpp"
#include "ReloadCommand.hpp"
#include "SendCommand.hpp"
#include "TaskCommands.hpp"

#include "rivet/sdk/abi.h"

#include <csignal>
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

namespace {

const char* kUsage = R"(usage: rivetctl [--config FILE] <command> [args]

The configuration: --config FILE, else $RIVET_CONFIG, else ./config/rivet.yaml, else
/etc/rivet/rivet.yaml. Each command describes its options: rivetctl <command> --help.

commands:
  check [--json]       is this node and its mesh healthy? configuration, certificates, registry,
                       peers, plugins: ✔ / ⚠ / ✖ with a hint each (exit 1: a check failed)
  ping [HOST:PORT|NODE] [--name NODE] [--json]   ping a node (default: the local node of
                                         --config; a bare NODE is looked up in mesh.json)
  agents [HOST:PORT|NODE] [--name NODE] [--json]  list a node's agents
  send AGENT "task"|- [--timeout MS] [--model M]  run a task on AGENT anywhere in the mesh
                                                 (- reads the task from stdin)
       [--follow | --detach]   as a task: shown live (Ctrl-C cancels), or left running
                               (rivetctl send --help)
  tasks [--state S] [--limit N] [--json]   the node's tasks (rivetctl tasks --help)
  task ID [--tree] [--json]   one task; --tree: its tree across nodes
  cancel ID [--json]   cancel a running task (and what it started on other nodes)
  delegate AGENT ["task"|-] [--timeout MS] [--model M]  inside a command agent's task: delegate as
                                                 part of it (depth, path, deadline carry over)
  delegate --roster    inside a task: the agents it may delegate to now (JSON)
  list [--json]        the registry (mesh.json): status, name, address, agents, last seen
  status [--json]      counts of online / offline / degraded / stale nodes (exit 1: unhealthy)
  forget NODE | --older-than DURATION [--json]   remove offline or stale nodes from mesh.json
  reload               SIGHUP to the local rivetd: reload TLS material, reopen the log file
  plugin check FILE    load FILE with rivetd's plugin loader and print its descriptor
  policy check CALLER AGENT[@NODE] [--via NODE] [--json]   would this node's policy let CALLER
                       (node-b, planner@node-b) run AGENT? offline, from the configuration
                       (exit 1: denied; rivetctl policy check --help)
  bench --url URL ...  HTTPS load generator with a client certificate (bench --help)
  ca COMMAND [args]    the mesh CA: init, issue, revoke, crl, show, list (rivetctl ca --help)
  a2a token NAME [--agents LIST] [--file FILE]   a bearer token for an A2A client outside
                       the mesh, and its line for a2a.tokens_file (rivetctl a2a --help)
  --version            print the version
  --help               show this help

exit status: 0 success, 1 the command failed (status: a node is unhealthy; check: a check
failed; policy check: denied), 2 usage error (policy check: also a configuration error);
send --follow/--detach, tasks, task and cancel also: 3 node unreachable, 130 interrupted
(docs/cli.md)
)";

} // namespace

int main(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN); // a server that hangs up must not kill rivetctl
  std::vector<std::string> args(argv + 1, argv + argc);
  std::string configPath;
  if (!args.empty() && (args[0] == "--config" || args[0] == "-c")) {
    if (args.size() < 2 || args[1].empty()) {
      std::cerr << "rivetctl: --config needs a FILE; see rivetctl --help\n";
      return 2;
    }
    configPath = args[1];
    args.erase(args.begin(), args.begin() + 2);
  }
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    std::cout << kUsage;
    return args.empty() ? 2 : 0;
  }
  if (args[0] == "--version") {
    std::cout << "rivetctl " << RIVET_VERSION << " (plugin ABI " << RIVET_ABI_MAJOR << "."
              << RIVET_ABI_MINOR << ")\n";
    return 0;
  }
  if (args[0] == "ping" || args[0] == "agents")
    return rivet::ctl::nodeCommand(args[0], configPath, {args.begin() + 1, args.end()});
  if (args[0] == "check")
    return rivet::ctl::checkCommand(configPath, {args.begin() + 1, args.end()});
  if (args[0] == "list" || args[0] == "status")
    return rivet::ctl::listCommand(args[0], configPath, {args.begin() + 1, args.end()});
  if (args[0] == "forget")
    return rivet::ctl::forgetCommand(configPath, {args.begin() + 1, args.end()});
  if (args[0] == "reload")
    return rivet::ctl::reloadCommand(configPath, {args.begin() + 1, args.end()});
  if (args[0] == "send")
    return rivet::ctl::sendCommand(configPath, {args.begin() + 1, args.end()});
  if (args[0] == "tasks" || args[0] == "task" || args[0] == "cancel")
    return rivet::ctl::taskCommand(args[0], configPath, {args.begin() + 1, args.end()});
  if (args[0] == "delegate")
    return rivet::ctl::delegateCommand({args.begin() + 1, args.end()});
  if (args[0] == "policy")
    return rivet::ctl::policyCommand(configPath, {args.begin() + 1, args.end()});
  if (args[0] == "plugin")
    return rivet::ctl::pluginCommand({args.begin() + 1, args.end()});
  if (args[0] == "bench")
    return rivet::ctl::benchCommand({args.begin() + 1, args.end()});
  if (args[0] == "ca")
    return rivet::ctl::caCommand({args.begin() + 1, args.end()});
  if (args[0] == "a2a")
    return rivet::ctl::a2aCommand({args.begin() + 1, args.end()});
  std::cerr << "rivetctl: unknown command '" << args[0] << "'; see rivetctl --help\n";
  return 2;
}
