// A rivetd with a registry of its own, for discovery tests: config and storage in a folder that
// outlives restarts, a fixed port, one echo agent; plus polling and log-matching helpers.
#pragma once

#include "MeshNode.hpp"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <chrono>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace rivet::test {

using namespace std::chrono_literals;

using Clock = std::chrono::steady_clock;
using JsonObject = Poco::JSON::Object::Ptr;

// Fast enough that a silent peer is pruned offline about 1.5 s after its last refresh.
inline constexpr const char* kHeartbeat =
    "  heartbeat_interval_ms: 300\n  stale_threshold_ms: 1500\n";

// Each peer's record is refreshed every 300 ms while it answers: a stale-marking, a verification
// after a late start or a restart all fit well within this.
inline constexpr auto kConverge = 8s;

inline int64_t epochMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// True when `log` has a line at `level` (INFO, WARN, ...) containing every one of `texts`.
inline bool loggedAll(const std::string& log, const std::string& level,
                      const std::vector<std::string>& texts) {
  std::istringstream lines(log);
  for (std::string line; std::getline(lines, line);) {
    std::istringstream words(line);
    std::string time, lineLevel;
    if (!(words >> time >> lineLevel) || lineLevel != level)
      continue;
    bool all = true;
    for (const auto& t : texts)
      all = all && contains(line, t);
    if (all)
      return true;
  }
  return false;
}

// Ports nobody listens on, all different: every node's config names every other's port up front.
inline std::vector<int> distinctFreePorts(size_t count) {
  std::set<int> ports;
  while (ports.size() < count)
    ports.insert(freePort());
  return {ports.begin(), ports.end()};
}

// One rivetd whose registry (mesh.json) is its own: config and storage live in a folder that
// outlives restarts, and the port is fixed up front, so a restarted node is found where it was.
// Hosts one echo agent named `agent`; `meshExtra` is added to the mesh: section verbatim.
class DiscoveryNode {
public:
  DiscoveryNode(const TestPki& pki, std::string name, std::string agent, int port,
                const std::string& meshExtra)
      : name_(std::move(name)), agent_(std::move(agent)), port_(port) {
    const std::string issued = pki.file("ca/issued/" + name_);
    writeFile(configPath(), "mesh:\n  enabled: true\n  node_name: " + name_ +
                                "\n  advertise_host: 127.0.0.1\n  listen_host: 127.0.0.1\n"
                                "  agent_channel_port: " +
                                std::to_string(port_) +
                                "\n  storage_dir: " + dir_.file("registry") + "\n" + kHeartbeat +
                                meshExtra + "  tls:\n    ca_path: " + pki.chainPath() +
                                "\n    cert_path: " + issued + ".crt\n    key_path: " + issued +
                                ".key\nplugins:\n  dir: " + pluginDir() + "\nagents:\n  " + agent_ +
                                ":\n    plugin: echo\n");
  }
  ~DiscoveryNode() { stop(); }

  // Starts (or restarts) rivetd; true once it registered itself, which follows listening.
  bool start() {
    process_ = std::make_unique<Process>(
        std::vector<std::string>{binPath("rivetd"), "--config", configPath()});
    return process_->waitForOutput("Node registered: " + name_ + " (", 10s);
  }
  // SIGTERM, as an operator stops it.
  void stop() {
    if (process_)
      process_->stop(5s);
  }

  const std::string& name() const { return name_; }
  const std::string& agent() const { return agent_; }
  int port() const { return port_; }
  std::string configPath() const { return dir_.file("rivet.yaml"); }
  std::string output() const { return process_ ? process_->output() : ""; }

  RunResult rivetctl(const std::vector<std::string>& args) const {
    std::vector<std::string> argv = {binPath("rivetctl"), "--config", configPath()};
    argv.insert(argv.end(), args.begin(), args.end());
    return run(argv, {}, 30s);
  }
  // `rivetctl send <agent> <task>` through this node.
  RunResult send(const std::string& agent, const std::string& task) const {
    return rivetctl({"send", agent, task, "--timeout", "10000"});
  }
  // The record of `node` in this node's own mesh.json, as `rivetctl list --json` prints it.
  JsonObject entry(const std::string& node) const {
    RunResult r = rivetctl({"list", "--json"});
    if (r.exitCode != 0)
      return nullptr;
    try {
      auto nodes = Poco::JSON::Parser().parse(r.out).extract<Poco::JSON::Array::Ptr>();
      for (size_t i = 0; i < nodes->size(); ++i) {
        JsonObject n = nodes->getObject(static_cast<unsigned>(i));
        if (n && n->optValue<std::string>("name", "") == node)
          return n;
      }
    } catch (const std::exception&) {
    }
    return nullptr;
  }
  std::string statusOf(const std::string& node) const {
    JsonObject e = entry(node);
    return e ? e->optValue<std::string>("status", "") : "";
  }
  // `node` is online here with these agents, refreshed at or after `sinceMs` (epoch ms).
  bool seesOnline(const DiscoveryNode& node, int64_t sinceMs = 0) const {
    JsonObject e = entry(node.name());
    if (!e || e->optValue<std::string>("status", "") != "online" ||
        e->optValue<int64_t>("lastSeen", 0) < sinceMs)
      return false;
    auto agents = e->getArray("agents");
    return agents && agents->size() == 1 && agents->getElement<std::string>(0) == node.agent();
  }

private:
  TempDir dir_;
  std::string name_;
  std::string agent_;
  int port_;
  std::unique_ptr<Process> process_;
};

} // namespace rivet::test
