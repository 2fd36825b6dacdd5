// Runs rivetd's plugin loader on one file, prints what it declares and, when given settings,
// whether its create() accepts them (run in the probe process too).
#include "PluginCommand.hpp"

#include "config/ConfigLoader.hpp"
#include "plugin/PluginLoader.hpp"
#include "plugin/PluginProbe.hpp"

#include "rivet/sdk/json.hpp"

#include <iostream>
#include <optional>

namespace rivet::ctl {
namespace {

constexpr const char* kUsage = "usage: rivetctl plugin check FILE [--settings JSON [--agent ID]]\n"
                               "       rivetctl plugin check FILE --config RIVET_YAML --agent ID\n";

struct CheckOptions {
  std::string file;
  std::optional<std::string> settingsJson; // set: also run create() with these settings
  std::string agentId;
  std::string configPath;
};

std::optional<CheckOptions> parse(const std::vector<std::string>& args) {
  if (args.size() < 2 || args[0] != "check")
    return std::nullopt;
  CheckOptions o;
  o.file = args[1];
  for (size_t i = 2; i < args.size(); i += 2) {
    if (i + 1 >= args.size())
      return std::nullopt;
    if (args[i] == "--settings")
      o.settingsJson = args[i + 1];
    else if (args[i] == "--agent")
      o.agentId = args[i + 1];
    else if (args[i] == "--config")
      o.configPath = args[i + 1];
    else
      return std::nullopt;
  }
  if (!o.configPath.empty() && (o.agentId.empty() || o.settingsJson))
    return std::nullopt;
  return o;
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

} // namespace

int pluginCommand(const std::vector<std::string>& args) {
  auto options = parse(args);
  if (!options) {
    std::cerr << kUsage;
    return 2;
  }
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
