// The configuration group is rivetd --check-config's own ConfigCheck on the loaded file; the
// plugins group loads the configured plugins as start-up finds them (each file probed in a child
// process); the other groups are in CheckCertificates and CheckMesh.
#include "CheckCommand.hpp"

#include "CheckCertificates.hpp"
#include "CheckMesh.hpp"
#include "CheckReport.hpp"
#include "LocalNode.hpp"
#include "TimeText.hpp"

#include "app/ConfigCheck.hpp"
#include "app/PluginPlan.hpp"
#include "config/ConfigLoader.hpp"
#include "log/Log.hpp"
#include "plugin/PluginCatalog.hpp"
#include "plugin/PluginPaths.hpp"

#include <ctime>
#include <iostream>
#include <optional>
#include <set>

namespace rivet::ctl {
namespace {

const char* kUsage =
    R"(usage: rivetctl [--config FILE] check [--json] [--peer-timeout MS] [--timeout MS]

Checks this node and its mesh, like `linkerd check`, and prints one line per check: ✔ passed,
⚠ a warning, ✖ a failure, each warning and failure with a hint (what is wrong, where, what to do).

  configuration   the file loads, and everything `rivetd --check-config` checks passes (TLS
                  files, storage_dir, each plugin and each agent's settings); loader warnings
  certificates    mesh.tls.cert_path: chain verifies against mesh.tls.ca_path, CN is
                  mesh.node_name, SANs cover <node>.mesh and mesh.advertise_host, extended key
                  usage serverAuth + clientAuth, validity (⚠ under 21 days left, ✖ expired or
                  not yet valid); mesh.tls.crl_path: signed by the CA, age, nextUpdate (⚠ within
                  7 days, ✖ past), this certificate not revoked
  registry        mesh.json in mesh.storage_dir readable (a missing, torn, too large file, a link
                  or a FIFO is ✖), this node's entry present, online and fresh, other nodes
                  stale or offline (⚠ each), clock skew: another node's lastSeen more than
                  mesh.heartbeat_interval_ms ahead of this machine's clock (⚠ each)
  peers           GET /api/mesh/ping over mTLS with this node's certificate: this node, then each
                  peer online and fresh in the registry, with the time it took
  plugins         each plugin the configuration needs loads (in a probe process)

options:
  --json              print one JSON document instead: {"status":"ok|warn|fail","passed":N,
                      "warnings":N,"failed":N,"groups":[{"name":...,"checks":[{"status":
                      "ok|warn|fail","message":...,"hint":... or null}]}]}
  --peer-timeout MS   give up on one ping after MS milliseconds (default 3000)
  --timeout MS        bound on all pings together (default 20000); peers left when it is spent
                      are ⚠ not pinged
  --help              show this help

exit status: 0 nothing failed (warnings allowed), 1 a check failed, 2 usage error
)";

std::optional<int64_t> milliseconds(const std::string& v) {
  if (v.empty() || v.size() > 9 || v.find_first_not_of("0123456789") != std::string::npos)
    return std::nullopt;
  int64_t ms = std::stoll(v);
  return ms > 0 ? std::optional<int64_t>(ms) : std::nullopt;
}

// The configuration group; `out` holds the loaded file when it loaded.
CheckGroup checkConfiguration(const std::string& given, std::optional<config::LoadResult>& out) {
  CheckGroup g("configuration");
  std::string tried;
  std::string path = findConfigPath(given, tried);
  if (path.empty()) {
    g.fail("no configuration file; tried " + tried, "give --config FILE or set RIVET_CONFIG=FILE");
    return g;
  }
  try {
    out.emplace(config::loadConfigFile(path));
  } catch (const config::ConfigError& e) {
    g.fail(printable(e.what()), "fix it in " + path + "; no other check can run without it");
    return g;
  }
  for (const auto& w : out->warnings)
    g.warn(printable(w), "rivetd starts anyway; fix it in " + path);
  std::vector<std::string> errors = app::ConfigCheck(out->config, out->positions).run();
  for (const auto& e : errors)
    g.fail(printable(e), "rivetd refuses to start until it is fixed in " + path +
                             " (rivetd --check-config --config " + path + " lists the same)");
  if (errors.empty())
    g.ok(path + ": everything rivetd --check-config checks passes (TLS material, storage_dir, "
                "plugins, agent settings)");
  return g;
}

CheckGroup checkPlugins(const config::Config& config) {
  CheckGroup g("plugins");
  const std::string dir =
      config.plugins.dir.empty() ? plugin::defaultPluginDir() : config.plugins.dir;
  const std::string agentsDir = config.plugins.agentsDir.empty() ? dir : config.plugins.agentsDir;
  const std::string dirs = agentsDir == dir ? dir : dir + " and " + agentsDir;
  plugin::PluginCatalog catalog;
  app::loadConfiguredPlugins(catalog, config, dir, agentsDir);
  std::vector<std::string> names = app::requiredPluginNames(config);
  if (!config.agentsSectionPresent) // every agent plugin found runs (docs/configuration.md)
    for (const auto& p : catalog.ofKind(RIVET_KIND_AGENT))
      names.insert(names.begin(), p->name());
  std::set<std::string> seen, reported;
  for (const auto& name : names) {
    if (!seen.insert(name).second)
      continue;
    auto p = catalog.find(name);
    if (p) {
      g.ok("plugin " + name + " " + printable(p->version()) + " (" + plugin::kindName(p->kind()) +
           ") loads from " + p->path);
      reported.insert(p->path);
      continue;
    }
    std::string why = catalog.missingMessage(name, dirs);
    for (const auto& f : catalog.failures())
      if (why.find(f.path) != std::string::npos)
        reported.insert(f.path);
    g.fail("plugin " + name + " does not load: " + printable(why),
           "install " + name + ".so in " + dirs +
               " or set plugins.dir; `rivetctl plugin check FILE` shows why a file does not load");
  }
  for (const auto& f : catalog.failures())
    if (reported.insert(f.path).second)
      g.warn(printable(f.path) + " does not load: " + printable(f.message),
             "rivetd skips it; fix it or remove it (rivetctl plugin check " + printable(f.path) +
                 ")");
  if (names.empty())
    g.ok("no plugin is configured");
  return g;
}

} // namespace

int checkCommand(const std::string& configPath, const std::vector<std::string>& args) {
  bool json = false;
  PeerBounds bounds;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--help" || a == "-h") {
      std::cout << kUsage;
      return kExitOk;
    }
    if (a == "--json") {
      json = true;
    } else if (a == "--peer-timeout" || a == "--timeout") {
      if (i + 1 >= args.size())
        return usageError("check", a + " needs a value");
      auto ms = milliseconds(args[++i]);
      if (!ms)
        return usageError("check", a + " needs milliseconds (1 to 999999999), not '" +
                                       printable(args[i]) + "'");
      (a == "--timeout" ? bounds.totalMs : bounds.perPeerMs) = *ms;
    } else {
      return usageError("check", (a.rfind("-", 0) == 0 ? "unknown option '" : "unexpected '") +
                                     printable(a) + "'");
    }
  }
  // The checks report what the loaders would log; keep their log lines off the report.
  log::configure(log::withEnvironment({"error", "pretty", ""}));

  std::vector<CheckGroup> groups;
  std::optional<config::LoadResult> loaded;
  groups.push_back(checkConfiguration(configPath, loaded));
  if (loaded) {
    const config::Config& config = loaded->config;
    groups.push_back(checkCertificates(config, static_cast<int64_t>(std::time(nullptr))));
    std::optional<registry::Registry> registry;
    groups.push_back(checkRegistry(config, epochMs(), registry));
    groups.push_back(checkPeers(config, registry ? &*registry : nullptr, epochMs(), bounds));
    groups.push_back(checkPlugins(config));
  }
  if (json)
    std::cout << checkJson(groups) << "\n";
  else
    printCheckText(groups, std::cout);
  return checkExitCode(groups);
}

} // namespace rivet::ctl
