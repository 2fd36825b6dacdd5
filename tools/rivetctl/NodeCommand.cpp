// Target resolution (HOST:PORT, or the local node) and the one-line failure reports.
#include "NodeCommand.hpp"

#include "TransportClient.hpp"
#include "config/ConfigLoader.hpp"
#include "log/Log.hpp"
#include "registry/RegistryStore.hpp"

#include <iostream>

namespace rivet::ctl {
namespace {

struct Target {
  std::string host;
  int port = 0;
  std::string verifyName;
  std::string label;
};

int usage(const std::string& command) {
  std::cerr << "usage: rivetctl [--config FILE] " << command
            << " [HOST:PORT] [--name NODE] [--timeout MS]\n";
  return 2;
}

std::string describeFailure(const PeerAnswer& a) {
  if (a.result == RIVET_NET_TIMEOUT)
    return "timed out: " + a.error;
  if (a.error.find("name mismatch") != std::string::npos)
    return "name mismatch: " + a.error;
  if (a.error.find("TLS handshake") != std::string::npos)
    return "TLS verification failed: " + a.error;
  if (a.error.find("refused") != std::string::npos)
    return "connection refused: " + a.error + " (is rivetd running there?)";
  return a.error;
}

} // namespace

int nodeCommand(const std::string& command, const std::string& configPath,
                const std::vector<std::string>& args) {
  std::string address, name;
  int64_t timeoutMs = 5000;
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--name" && i + 1 < args.size())
      name = args[++i];
    else if (args[i] == "--timeout" && i + 1 < args.size())
      timeoutMs = std::atoll(args[++i].c_str());
    else if (args[i].rfind("--", 0) == 0 || !address.empty())
      return usage(command);
    else
      address = args[i];
  }
  if (timeoutMs <= 0)
    return usage(command);

  log::configure(log::withEnvironment({"warn", "pretty", ""}));
  config::LoadResult loaded;
  std::string path = configPath.empty() ? config::defaultConfigPath() : configPath;
  try {
    loaded = config::loadConfigFile(path);
  } catch (const config::ConfigError& e) {
    std::cerr << "rivetctl: configuration error: " << e.what() << "\n";
    return 1;
  }
  const auto& mesh = loaded.config.mesh;
  Target t;
  if (address.empty()) { // the local node, as docs/configuration.md says
    t.host =
        mesh.listenHost == "0.0.0.0" || mesh.listenHost == "::" ? "127.0.0.1" : mesh.listenHost;
    t.port = mesh.agentChannelPort;
    t.verifyName = (name.empty() ? mesh.nodeName : name) + ".mesh";
  } else {
    auto colon = address.rfind(':');
    if (colon == std::string::npos) { // a bare node name: its address comes from the registry
      try {
        registry::RegistryStore store(mesh.storageDir, {}, mesh.registryMaxBytes);
        auto node = store.snapshot()->find(address);
        if (!node) {
          std::cerr << "rivetctl: node '" << address << "' is not in " << store.path()
                    << "; see `rivetctl list`, or give HOST:PORT\n";
          return 1;
        }
        t.host = node->host();
        t.port = static_cast<int>(node->integer("port").value_or(3000));
        t.verifyName = (name.empty() ? node->name() : name) + ".mesh";
      } catch (const std::exception& e) {
        std::cerr << "rivetctl: cannot read the registry to find '" << address << "': " << e.what()
                  << "\n";
        return 1;
      }
      address.clear();
    }
  }
  if (!address.empty()) {
    auto colon = address.rfind(':');
    t.host = address.substr(0, colon);
    t.port = std::atoi(address.c_str() + colon + 1);
    if (t.port <= 0 || t.port > 65535) {
      std::cerr << "rivetctl: '" << address << "' has an invalid port\n";
      return 1;
    }
    t.verifyName = name.empty() ? t.host : name + ".mesh";
  }
  t.label = t.host + ":" + std::to_string(t.port) + " (expecting " + t.verifyName + ")";

  try {
    TransportClient client(loaded.config);
    std::string path = command == "ping" ? "/api/mesh/ping" : "/api/agents";
    PeerAnswer a = client.call(t.host, t.port, t.verifyName, "GET", path, "", timeoutMs);
    if (a.result != RIVET_NET_OK) {
      std::cerr << "rivetctl: " << command << " " << t.label << " failed: " << describeFailure(a)
                << "\n";
      return 1;
    }
    if (a.status != 200) {
      std::cerr << "rivetctl: " << command << " " << t.label << " answered HTTP " << a.status
                << ": " << a.body << "\n";
      return 1;
    }
    std::cout << a.body << "\n";
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "rivetctl: " << e.what() << "\n";
    return 1;
  }
}

} // namespace rivet::ctl
