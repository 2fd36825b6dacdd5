// Runs rivetd's plugin loader on one file, prints what it declares and, when given settings,
// whether its create() accepts them (run in the probe process too).
#include "PluginCommand.hpp"

#include "LocalNode.hpp"

#include "config/ConfigLoader.hpp"
#include "plugin/PluginLoader.hpp"
#include "plugin/PluginProbe.hpp"
#include "util/JsonText.hpp"

#include "rivet/sdk/json.hpp"

#include <iostream>
#include <optional>

namespace rivet::ctl {
namespace {

constexpr const char* kUsage = R"(usage: rivetctl plugin check FILE [--settings JSON [--agent ID]]
       rivetctl plugin check FILE --config RIVET_YAML --agent ID

Loads FILE (a plugin .so; a bare name is a file in the current folder) with rivetd's plugin
loader, in a separate probe process, and prints what it declares: name, kind, version, ABI,
description, and for an agent whether it runs inline or in the worker pool.

options:
  --settings JSON   also create the plugin with these settings (a JSON object) and report
                    whether it accepts them
  --agent ID        the agent id create() is given (default: the plugin's name)
  --config FILE     take the settings of agents.ID from this configuration (needs --agent)
  --json            print the descriptor as one JSON object ("create": "accepted" when
                    settings were given and accepted)
  --help            show this help

exit status: 0 loaded (and accepted the settings), 1 it cannot be loaded or refused the
             settings, or the configuration is invalid, 2 usage error
)";

struct CheckOptions {
  std::string file;
  std::optional<std::string> settingsJson; // set: also run create() with these settings
  std::string agentId;
  std::string configPath;
  bool json = false;
};

// The options, or nullopt with `why` set to what was wrong.
std::optional<CheckOptions> parse(const std::vector<std::string>& args, std::string& why) {
  if (args.empty() || args[0] != "check") {
    why = args.empty() ? "no subcommand (check)"
                       : "unknown subcommand '" + printable(args[0]) + "' (check)";
    return std::nullopt;
  }
  if (args.size() < 2 || args[1].empty() || args[1].rfind("--", 0) == 0) {
    why = "check needs the plugin FILE first";
    return std::nullopt;
  }
  CheckOptions o;
  // dlopen searches the library path for a name without a slash: x.so means ./x.so here.
  o.file = args[1].find('/') == std::string::npos ? "./" + args[1] : args[1];
  for (size_t i = 2; i < args.size(); i += 2) {
    const std::string& a = args[i];
    if (a == "--json") {
      o.json = true;
      --i; // a flag: no value follows
      continue;
    }
    if (a != "--settings" && a != "--agent" && a != "--config") {
      why = "unknown option '" + printable(a) + "'";
      return std::nullopt;
    }
    if (i + 1 >= args.size()) {
      why = a + " needs a value";
      return std::nullopt;
    }
    (a == "--settings" ? o.settingsJson.emplace()
     : a == "--agent"  ? o.agentId
                       : o.configPath) = args[i + 1];
  }
  if (!o.configPath.empty() && o.agentId.empty())
    why = "--config needs --agent ID: the agent whose settings to use";
  else if (!o.configPath.empty() && o.settingsJson)
    why = "--config and --settings exclude each other";
  return why.empty() ? std::optional<CheckOptions>(o) : std::nullopt;
}

// The settings of agents.<id> in the configuration; throws ConfigError or runtime_error.
std::string settingsOf(const std::string& configPath, const std::string& agentId) {
  auto loaded = config::loadConfigFile(configPath);
  for (const auto& spec : loaded.config.agents)
    if (spec.id == agentId)
      return spec.settingsJson;
  throw std::runtime_error(configPath + " has no agents." + agentId +
                           " entry; name one of the agents under agents:");
}

void printDescriptor(const plugin::LoadedPlugin& p) {
  std::cout << "file:        " << p.path << "\n"
            << "name:        " << p.name() << "\n"
            << "kind:        " << plugin::kindName(p.kind()) << "\n"
            << "version:     " << p.version() << "\n"
            << "abi:         " << p.abiVersion() << " (this rivetd supports "
            << plugin::hostAbiRange() << ")\n"
            << "description: " << p.description() << "\n";
  if (p.kind() == RIVET_KIND_AGENT) {
    auto ops = static_cast<const rivet_agent_ops*>(p.ops());
    std::cout << "runs:        "
              << ((ops->flags & RIVET_AGENT_INLINE) ? "inline (non-blocking)" : "worker pool")
              << "\n";
  }
}

void printJson(const plugin::LoadedPlugin& p, bool created) {
  std::string out = "{\"file\":" + util::jsonString(p.path) +
                    ",\"name\":" + util::jsonString(p.name()) +
                    ",\"kind\":" + util::jsonString(plugin::kindName(p.kind())) +
                    ",\"version\":" + util::jsonString(p.version()) +
                    ",\"abi\":" + util::jsonString(p.abiVersion()) +
                    ",\"hostAbi\":" + util::jsonString(plugin::hostAbiRange()) +
                    ",\"description\":" + util::jsonString(p.description());
  if (p.kind() == RIVET_KIND_AGENT) {
    auto ops = static_cast<const rivet_agent_ops*>(p.ops());
    out += std::string(",\"runs\":\"") +
           ((ops->flags & RIVET_AGENT_INLINE) ? "inline" : "worker pool") + "\"";
  }
  std::cout << out << (created ? ",\"create\":\"accepted\"" : "") << "}\n";
}

} // namespace

int pluginCommand(const std::vector<std::string>& args) {
  for (const auto& a : args)
    if (a == "--help" || a == "-h") {
      std::cout << kUsage;
      return kExitOk;
    }
  std::string why;
  auto options = parse(args, why);
  if (!options)
    return usageError("plugin", why);
  std::optional<std::string> settings = options->settingsJson;
  try {
    if (!options->configPath.empty())
      settings = settingsOf(options->configPath, options->agentId);
  } catch (const std::exception& e) {
    std::cerr << "rivetctl: configuration error: " << e.what() << "\n";
    return 1;
  }
  if (settings && !sdk::json::tryParse(*settings)) {
    std::cerr << "rivetctl: --settings is not valid JSON: give the agent's settings as a JSON "
                 "object, e.g. --settings '{\"api_key\":\"...\"}'\n";
    return 1;
  }
  try {
    auto p = plugin::loadPlugin(options->file);
    std::string refusal;
    std::string id = options->agentId.empty() ? p->name() : options->agentId;
    if (settings)
      refusal = plugin::probeCreate(p->path, p->mappedPath, id, *settings);
    while (!refusal.empty() && (refusal.back() == '\n' || refusal.back() == ' '))
      refusal.pop_back();
    if (!refusal.empty()) {
      std::cerr << "rivetctl: " << plugin::kindName(p->kind()) << " '" << id << "' (plugin '"
                << p->name() << "', " << p->path
                << ") refused to create with these settings: " << refusal << "\n";
      return 1;
    }
    if (options->json) {
      printJson(*p, settings.has_value());
      return 0;
    }
    printDescriptor(*p);
    if (settings)
      std::cout << "create:      accepted these settings as " << plugin::kindName(p->kind()) << " '"
                << id << "'\n";
    std::cout << "OK\n";
    return 0;
  } catch (const plugin::LoadError& e) {
    std::cerr << "rivetctl: " << e.what() << "\n";
    return 1;
  }
}

} // namespace rivet::ctl
