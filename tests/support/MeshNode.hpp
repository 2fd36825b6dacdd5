// A rivetd of a test mesh that shares its registry folder with its peers, and the helpers the
// multi-node tests use to read logs, mesh.json and rivetctl's answers.
#pragma once

#include "MeshTestKit.hpp"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace rivet::test {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using JsonObject = Poco::JSON::Object::Ptr;
using JsonArray = Poco::JSON::Array::Ptr;

// Heartbeats fast enough that a peer is stale about 1.5 s after it died.
inline const char* const kFastHeartbeat =
    "  heartbeat_interval_ms: 250\n  stale_threshold_ms: 1500\n";

// A command agent `id` running `script` with /bin/sh; $CTL is rivetctl.
inline std::string commandAgent(const std::string& id, const std::string& script,
                                const std::string& extra = "") {
  std::string quoted;
  for (char c : script)
    quoted += c == '\'' ? std::string("''") : std::string(1, c);
  return "  " + id + ":\n    plugin: command\n    argv: ['/bin/sh', '-c', '" + quoted +
         "']\n    env: { CTL: '" + binPath("rivetctl") + "' }\n" + extra;
}

// One rivetd of a test mesh: its own config folder, the registry folder it shares with its peers
// and a node certificate from the suite's CA; `agents` is the `agents:` section verbatim, `mesh`
// and `plugins` extra keys of those sections (indented by two spaces). MeshTestKit's NodeProcess
// keeps the registry in a folder of its own, so nodes started with it never see each other.
class MeshNode {
public:
  MeshNode(TestPki& pki, const std::string& storage, std::string name, const std::string& agents,
           const std::string& mesh = kFastHeartbeat, const std::string& plugins = "")
      : name_(std::move(name)), port_(freePort()) {
    const std::string issued = pki.file("ca/issued/" + name_);
    if (!std::filesystem::exists(issued + ".crt"))
      pki.issueNode(name_);
    writeFile(configPath(), "mesh:\n  enabled: true\n  node_name: " + name_ +
                                "\n  advertise_host: 127.0.0.1\n  listen_host: 127.0.0.1\n"
                                "  agent_channel_port: " +
                                std::to_string(port_) + "\n  storage_dir: " + storage + "\n" +
                                mesh + "  tls:\n    ca_path: " + pki.chainPath() +
                                "\n    cert_path: " + issued + ".crt\n    key_path: " + issued +
                                ".key\nplugins:\n  dir: " + pluginDir() + "\n" + plugins + agents);
  }
  ~MeshNode() {
    if (process_)
      process_->stop(5s);
  }

  // Starts rivetd; true once it is registered in mesh.json, which it does after it listens.
  bool start() {
    process_ = std::make_unique<Process>(
        std::vector<std::string>{binPath("rivetd"), "--config", configPath()});
    return process_->waitForOutput("Node registered: " + name_ + " (", 10s);
  }
  // SIGKILL: the node gets no chance to mark itself offline.
  void kill() {
    ::kill(process_->pid(), SIGKILL);
    process_->wait(5s);
  }

  const std::string& name() const { return name_; }
  int port() const { return port_; }
  std::string configPath() const { return dir_.file("rivet.yaml"); }
  Process& process() { return *process_; }
  std::string output() const { return process_ ? process_->output() : ""; }
  size_t mark() const { return output().size(); }
  std::string outputSince(size_t mark) const {
    std::string out = output();
    return mark < out.size() ? out.substr(mark) : "";
  }

private:
  TempDir dir_;
  std::string name_;
  int port_;
  std::unique_ptr<Process> process_;
};

template <class Condition> bool eventually(Condition condition, std::chrono::milliseconds timeout) {
  const auto until = Clock::now() + timeout;
  for (;;) {
    if (condition())
      return true;
    if (Clock::now() >= until)
      return false;
    std::this_thread::sleep_for(20ms);
  }
}

// True when `log` has a line at `level` (INFO, WARN, ...) that contains `text`; how wide the
// formatter pads the level column is its own business.
inline bool logged(const std::string& log, const std::string& level, const std::string& text) {
  std::istringstream lines(log);
  for (std::string line; std::getline(lines, line);) {
    std::istringstream words(line);
    std::string time, lineLevel;
    if (words >> time >> lineLevel && lineLevel == level && contains(line, text))
      return true;
  }
  return false;
}

inline JsonObject parseObject(const std::string& text) {
  try {
    return Poco::JSON::Parser().parse(text).extract<JsonObject>();
  } catch (const std::exception&) {
    return nullptr;
  }
}

inline JsonArray parseArray(const std::string& text) {
  try {
    return Poco::JSON::Parser().parse(text).extract<JsonArray>();
  } catch (const std::exception&) {
    return nullptr;
  }
}

// The entry `id` of <storage>/mesh.json as any JSON reader sees it; null when absent.
inline JsonObject registryEntry(const std::string& storage, const std::string& id) {
  JsonObject root = parseObject(readFile(storage + "/mesh.json"));
  JsonObject nodes = root ? root->getObject("nodes") : nullptr;
  return nodes ? nodes->getObject(id) : nullptr;
}

inline std::string statusIn(const std::string& storage, const std::string& id) {
  JsonObject e = registryEntry(storage, id);
  return e ? e->optValue<std::string>("status", "") : "";
}

inline int64_t lastSeenIn(const std::string& storage, const std::string& id) {
  JsonObject e = registryEntry(storage, id);
  return e ? e->optValue<int64_t>("lastSeen", 0) : 0;
}

// A process that no longer runs: gone, or a zombie nobody reaped yet.
inline bool processGone(int pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(stat, line))
    return true;
  size_t close = line.rfind(')');
  return close != std::string::npos && close + 2 < line.size() && line[close + 2] == 'Z';
}

inline RunResult rivetctl(const MeshNode& via, const std::vector<std::string>& args) {
  std::vector<std::string> argv = {binPath("rivetctl"), "--config", via.configPath()};
  argv.insert(argv.end(), args.begin(), args.end());
  return run(argv, {}, 30s);
}

inline std::vector<std::string> strings(const JsonArray& a) {
  std::vector<std::string> out;
  for (size_t i = 0; a && i < a->size(); ++i)
    out.push_back(a->getElement<std::string>(static_cast<unsigned>(i)));
  return out;
}

} // namespace rivet::test
