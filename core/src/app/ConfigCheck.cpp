// The checks of rivetd --check-config after loading. Plugins are found as Node::start finds them,
// and each required one is created with the settings start-up gives it, then destroyed: its own
// create() is the check (the transport's loads the TLS material and checks the identity).
#include "app/ConfigCheck.hpp"

#include "app/PluginPlan.hpp"

#include "plugin/NodeInfo.hpp"
#include "plugin/PluginInstance.hpp"
#include "plugin/PluginPaths.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>

namespace rivet::app {
namespace fs = std::filesystem;

namespace {

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& i : items)
    out += (out.empty() ? "" : ", ") + i;
  return out;
}

// The settings Node::startDiscovery gives the discovery plugin.
// The first key of mesh a plugin's message names ("mesh.tls.key_path /x does not belong ..."),
// or "" when it names none.
std::string meshKeyIn(const std::string& message) {
  size_t at = message.find("mesh.");
  if (at == std::string::npos)
    return "";
  size_t end = at;
  while (end < message.size() && (std::isalnum(static_cast<unsigned char>(message[end])) ||
                                  message[end] == '_' || message[end] == '.'))
    ++end;
  std::string key = message.substr(at, end - at);
  while (!key.empty() && key.back() == '.')
    key.pop_back();
  return key;
}

// The setting a plugin's message starts with ("argv must be ..." -> "argv"), or "".
std::string leadingSetting(const std::string& message) {
  size_t end = 0;
  while (end < message.size() &&
         (std::isalnum(static_cast<unsigned char>(message[end])) || message[end] == '_'))
    ++end;
  return message.substr(0, end);
}

} // namespace

ConfigCheck::ConfigCheck(const config::Config& config, const config::ConfigPositions& positions)
    : config_(config), positions_(positions), host_(plugin::nodeInfoJson(config)) {
  pluginDir_ = config_.plugins.dir.empty() ? plugin::defaultPluginDir() : config_.plugins.dir;
  agentsDir_ = config_.plugins.agentsDir.empty() ? pluginDir_ : config_.plugins.agentsDir;
}

std::vector<std::string> ConfigCheck::run() {
  errors_.clear();
  loadPlugins();
  checkAgents();
  if (config_.mesh.enabled) {
    bool filesReadable = tlsFilesReadable();
    checkTransport(filesReadable);
    checkStorageDir();
    if (!config_.mesh.discovery.mode.empty())
      checkDiscovery();
  }
  return errors_;
}

void ConfigCheck::loadPlugins() {
  loadConfiguredPlugins(catalog_, config_, pluginDir_, agentsDir_);
}

std::shared_ptr<const plugin::LoadedPlugin> ConfigCheck::required(const std::string& name,
                                                                  rivet_kind kind,
                                                                  const std::string& keyPath,
                                                                  const std::string& dirs) {
  auto p = catalog_.find(name);
  if (!p) {
    add(keyPath, catalog_.missingMessage(name, dirs), "");
    return nullptr;
  }
  if (p->kind() != kind) {
    add(keyPath,
        "the plugin '" + name + "' (" + p->path + ") is a " + plugin::kindName(p->kind()) +
            " plugin, not a " + plugin::kindName(kind) + " plugin",
        "Name a " + plugin::kindName(kind) + " plugin here");
    return nullptr;
  }
  return p;
}

std::string ConfigCheck::refusalOf(std::shared_ptr<const plugin::LoadedPlugin> p,
                                   const std::string& name, const std::string& settingsJson) {
  std::string component = p->name();
  plugin::PluginInstance instance(std::move(p), host_, name, component, settingsJson);
  try {
    instance.create();
    return "";
  } catch (const plugin::InstanceError& e) {
    // Drop the loader's "agent 'x' (plugin 'y', /path) failed to create: " before the reason.
    std::string text = e.what();
    const std::string prefix = instance.describe() + " failed to create: ";
    return text.rfind(prefix, 0) == 0 ? text.substr(prefix.size()) : text;
  } // destroyed here, never started
}

void ConfigCheck::checkAgents() {
  if (!config_.agentsSectionPresent) {
    checkUnconfiguredAgents();
    return;
  }
  const std::string dirs =
      agentsDir_ == pluginDir_ ? pluginDir_ : pluginDir_ + " and " + agentsDir_;
  for (const auto& spec : config_.agents) {
    const std::string key = "agents." + spec.id;
    auto p = required(spec.plugin, RIVET_KIND_AGENT, key + ".plugin", dirs);
    if (!p)
      continue;
    std::string reason = refusalOf(p, spec.id, spec.settingsJson);
    if (reason.empty())
      continue;
    // At the setting the plugin names when the file has it (argv must be ...), else the agent.
    std::string setting = leadingSetting(reason);
    std::string at =
        !setting.empty() && positions_.has(key + "." + setting) ? key + "." + setting : key;
    errors_.push_back(config::ConfigPositions::formatLine(
        positions_.locate(at), key, spec.plugin + ": " + reason,
        "Fix the settings of " + key + " for the " + spec.plugin +
            " plugin (docs/agents.md lists them)"));
  }
}

// Without `agents:`, start-up runs each agent plugin that starts without settings; only
// default_agent can make that fail.
void ConfigCheck::checkUnconfiguredAgents() {
  std::vector<std::string> running;
  for (const auto& p : catalog_.ofKind(RIVET_KIND_AGENT))
    if (refusalOf(p, p->name(), "{}").empty())
      running.push_back(p->name());
  const std::string& wanted = config_.mesh.defaultAgent;
  if (wanted.empty() || std::find(running.begin(), running.end(), wanted) != running.end())
    return;
  add("mesh.default_agent",
      "no agent '" + wanted +
          "' runs on this node: without an agents: section, only the agent "
          "plugins that need no settings run (here: " +
          (running.empty() ? "none" : joined(running)) + ")",
      "Add " + wanted + " under agents:, or set default_agent to one of those");
}

bool ConfigCheck::tlsFilesReadable() {
  const auto& tls = config_.mesh.tls;
  const std::string issue =
      "Issue it with `rivetctl ca issue " + config_.mesh.nodeName + "`, or correct the path";
  struct File {
    const char* key;
    const std::string& path;
    std::string hint;
  };
  const File files[] = {{"mesh.tls.ca_path", tls.caPath,
                         "Create the CA with `rivetctl ca init`, or correct the path"},
                        {"mesh.tls.cert_path", tls.certPath, issue},
                        {"mesh.tls.key_path", tls.keyPath, issue},
                        {"mesh.tls.crl_path", tls.crlPath,
                         "Write it with `rivetctl ca crl`, or remove crl_path to check no CRL"}};
  bool readable = true;
  for (const auto& f : files) {
    if (f.path.empty() && std::string(f.key) == "mesh.tls.crl_path")
      continue;
    std::error_code ec;
    std::string problem;
    if (fs::is_directory(f.path, ec)) {
      problem = f.path + " is a folder, not a file";
    } else {
      // Non-blocking, and only a regular file: a FIFO there must not hang the check.
      int fd = ::open(f.path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
      struct stat st {};
      if (fd < 0)
        problem = f.path + " cannot be read: " + std::strerror(errno);
      else if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
        problem = f.path + " is not a regular file (a FIFO, device or socket)";
      if (fd >= 0)
        ::close(fd);
    }
    if (problem.empty())
      continue;
    readable = false;
    add(f.key, problem, f.hint);
  }
  return readable;
}

void ConfigCheck::checkTransport(bool filesReadable) {
  auto p = required("transport-" + config_.mesh.transport, RIVET_KIND_TRANSPORT, "mesh.transport",
                    pluginDir_);
  if (!p || !filesReadable)
    return; // an unreadable file would only be reported again
  // The settings start-up gives it, so that its checks of mesh.channel run here too.
  std::string reason = refusalOf(p, p->name(), channelSettingsJson(config_.mesh));
  if (!reason.empty())
    addPluginRefusal(p->name(), "mesh.tls", reason);
}

void ConfigCheck::checkDiscovery() {
  auto p = required("discovery-" + config_.mesh.discovery.mode, RIVET_KIND_DISCOVERY,
                    "mesh.discovery.mode", pluginDir_);
  if (!p)
    return;
  std::string reason = refusalOf(p, p->name(), discoverySettingsJson(config_.mesh));
  if (!reason.empty())
    addPluginRefusal(p->name(), "mesh.discovery", reason);
}

// Membership::start creates storage_dir and writes mesh.json in it; this checks that it could,
// without writing anything.
void ConfigCheck::checkStorageDir() {
  const fs::path dir = config_.mesh.storageDir;
  std::error_code ec;
  fs::path existing = dir;
  while (!existing.empty() && !fs::exists(existing, ec) && existing != existing.root_path())
    existing = existing.parent_path();
  const std::string hint = "Mount the shared folder there, or set storage_dir to a folder this "
                           "user can write";
  if (fs::exists(existing, ec) && !fs::is_directory(existing, ec)) {
    add("mesh.storage_dir", existing.string() + " is not a folder", hint);
    return;
  }
  if (::access(existing.c_str(), W_OK | X_OK) != 0) {
    add("mesh.storage_dir",
        (existing == dir ? dir.string()
                         : "cannot create " + dir.string() + ": " + existing.string()) +
            " is not writable: " + std::strerror(errno),
        hint);
  }
}

void ConfigCheck::addPluginRefusal(const std::string& pluginName, const std::string& fallbackKey,
                                   const std::string& message) {
  std::string key = meshKeyIn(message);
  if (key.empty()) {
    add(fallbackKey, pluginName + ": " + message, "");
    return;
  }
  // "mesh.tls.key_path /x does not belong ..." reads as "mesh.tls.key_path: /x does not ...".
  if (message.rfind(key + " ", 0) == 0)
    add(key, message.substr(key.size() + 1), "");
  else
    add(key, pluginName + ": " + message, "");
}

void ConfigCheck::add(const std::string& keyPath, const std::string& problem,
                      const std::string& hint) {
  errors_.push_back(positions_.error(keyPath, problem, hint));
}

} // namespace rivet::app
