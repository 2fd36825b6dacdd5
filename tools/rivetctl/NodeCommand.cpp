// Target resolution (HOST:PORT, or the local node) and the one-line failure reports.
#include "NodeCommand.hpp"

#include "LocalNode.hpp"
#include "TransportClient.hpp"
#include "registry/RegistryStore.hpp"

#include "util/JsonText.hpp"

#include "rivet/sdk/json.hpp"

#include <chrono>
#include <cstdlib>
#include <iostream>

namespace rivet::ctl {
namespace {

struct Target {
  std::string host;
  int port = 0;
  std::string verifyName;
  std::string label;
};

const char* kPingUsage =
    R"(usage: rivetctl [--config FILE] ping [HOST:PORT|NODE] [--name NODE] [--timeout MS] [--json]

Pings a node over mTLS with the certificate of the configuration (GET /api/mesh/ping) and
prints its answer (JSON). Without an address: the local node of the configuration.

arguments:
  HOST:PORT       the node's address; its certificate must name HOST (or --name)
  NODE            a node name, looked up in the registry (mesh.json)
options:
  --name NODE     expect the certificate of NODE (NODE.mesh) instead
  --timeout MS    give up after MS milliseconds (default 5000)
  --json          print one JSON object about the call instead of the bare answer:
                  {"command","address","verifyName","ok","httpStatus","elapsedMs","answer",
                  "error"} (also when it failed: "ok":false and "error")
  --help          show this help

exit status: 0 answered, 1 unreachable, TLS or name failure, or an answer other than 200,
             2 usage error
)";

const char* kAgentsUsage =
    R"(usage: rivetctl [--config FILE] agents [HOST:PORT|NODE] [--name NODE] [--timeout MS]
                                [--json]

Lists a node's agents (GET /api/agents over mTLS) and prints its answer (JSON). Without an
address: the local node of the configuration.

arguments:
  HOST:PORT       the node's address; its certificate must name HOST (or --name)
  NODE            a node name, looked up in the registry (mesh.json)
options:
  --name NODE     expect the certificate of NODE (NODE.mesh) instead
  --timeout MS    give up after MS milliseconds (default 5000)
  --json          print one JSON object about the call instead of the bare answer:
                  {"command","address","verifyName","ok","httpStatus","elapsedMs","answer",
                  "error"} (also when it failed: "ok":false and "error")
  --help          show this help

exit status: 0 answered, 1 unreachable, TLS or name failure, or an answer other than 200,
             2 usage error
)";

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

// The --json document of one call; `answer` is the node's body when it is JSON, else a string.
std::string callJson(const std::string& command, const Target& t, const PeerAnswer& a,
                     int64_t elapsedMs, const std::string& error) {
  std::string answer = "null";
  if (a.result == RIVET_NET_OK)
    answer = sdk::json::tryParse(a.body) ? a.body : util::jsonString(a.body);
  return "{\"command\":" + util::jsonString(command) +
         ",\"address\":" + util::jsonString(t.host + ":" + std::to_string(t.port)) +
         ",\"verifyName\":" + util::jsonString(t.verifyName) +
         ",\"ok\":" + (error.empty() ? "true" : "false") +
         ",\"httpStatus\":" + (a.result == RIVET_NET_OK ? std::to_string(a.status) : "null") +
         ",\"elapsedMs\":" + std::to_string(elapsedMs) + ",\"answer\":" + answer +
         ",\"error\":" + (error.empty() ? "null" : util::jsonString(error)) + "}";
}

} // namespace

int nodeCommand(const std::string& command, const std::string& configPath,
                const std::vector<std::string>& args) {
  std::string address, name;
  int64_t timeoutMs = 5000;
  bool json = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--help" || a == "-h") {
      std::cout << (command == "ping" ? kPingUsage : kAgentsUsage);
      return kExitOk;
    }
    if (a == "--json") {
      json = true;
      continue;
    }
    if ((a == "--name" || a == "--timeout") && i + 1 >= args.size())
      return usageError(command, a + " needs a value");
    if (a == "--name") {
      name = args[++i];
    } else if (a == "--timeout") {
      const std::string& v = args[++i];
      timeoutMs = v.size() <= 9 && !v.empty() && v.find_first_not_of("0123456789") == v.npos
                      ? std::atoll(v.c_str())
                      : 0;
      if (timeoutMs <= 0)
        return usageError(command, "--timeout needs milliseconds (1 to 999999999), not '" +
                                       printable(v) + "'");
    } else if (a.rfind("-", 0) == 0) {
      return usageError(command, "unknown option '" + printable(a) + "'");
    } else if (!address.empty()) {
      return usageError(command, "one address only, not '" + printable(address) + "' and '" +
                                     printable(a) + "'");
    } else {
      address = a;
    }
  }

  config::LoadResult loaded;
  if (!loadConfig(configPath, loaded))
    return kExitFailed;
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
    auto started = std::chrono::steady_clock::now();
    PeerAnswer a = client.call(t.host, t.port, t.verifyName, "GET", path, "", timeoutMs);
    int64_t elapsedMs = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::steady_clock::now() - started)
                            .count();
    std::string error;
    if (a.result != RIVET_NET_OK)
      error = describeFailure(a);
    else if (a.status != 200)
      error = "answered HTTP " + std::to_string(a.status) + ": " + printable(a.body.substr(0, 500));
    if (json)
      std::cout << callJson(command, t, a, elapsedMs, error) << "\n";
    if (!error.empty()) {
      std::cerr << "rivetctl: " << command << " " << t.label
                << (a.result == RIVET_NET_OK ? " " : " failed: ") << printable(error) << "\n";
      return 1;
    }
    if (!json)
      std::cout << a.body << "\n";
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "rivetctl: " << e.what() << "\n";
    return 1;
  }
}

} // namespace rivet::ctl
