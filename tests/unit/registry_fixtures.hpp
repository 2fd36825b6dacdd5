// Shared by the registry tests: a mesh.json exactly as RivetOS writes it (JSON.stringify(data,
// null, 2), hand-added fields included), a settable clock, and a capture of the [Mesh] log.
#pragma once

#include "log/Log.hpp"
#include "registry/NodeRecord.hpp"
#include "registry/RegistryStore.hpp"

#include "TestSupport.hpp"

#include <cstdint>
#include <memory>
#include <string>

namespace rivet::test {

// Now, for every test that uses FakeClock: ct201 was seen 5 s ago, ct202 100 s ago.
inline constexpr int64_t kNow = 1795736000000;

// Four nodes as a RivetOS cluster leaves them: the datahub (role, sshUser, never heartbeats),
// an agent node with metadata (agentDetails, denPort, denUrl), an Android node added by hand
// (platform, metadata.deployable), and our own entry "rivet-a" written on an earlier run.
inline const std::string kRivetOsMesh = R"({
  "version": 1,
  "nodes": {
    "datahub": {
      "id": "datahub",
      "name": "datahub",
      "role": "datahub",
      "agents": [],
      "host": "192.0.2.10",
      "port": 3000,
      "providers": [],
      "models": [],
      "capabilities": [],
      "status": "online",
      "lastSeen": 1795700000000,
      "registeredAt": 1795700000000,
      "version": "0.1.0",
      "sshUser": "rivet"
    },
    "ct201": {
      "id": "ct201",
      "name": "ct201",
      "agents": [
        "opus",
        "sonnet"
      ],
      "host": "192.0.2.201",
      "port": 3000,
      "providers": [
        "anthropic"
      ],
      "models": [
        "claude-x"
      ],
      "capabilities": [
        "den"
      ],
      "metadata": {
        "agentDetails": {
          "opus": {
            "provider": "anthropic",
            "model": "claude-x"
          },
          "sonnet": {
            "provider": "anthropic"
          }
        },
        "denPort": 3100,
        "denUrl": "https://192.0.2.201:3100"
      },
      "status": "online",
      "lastSeen": 1795735995000,
      "registeredAt": 1795735000000,
      "version": "0.1.0",
      "sshUser": "phil",
      "platform": "linux"
    },
    "pixel": {
      "id": "pixel",
      "name": "pixel",
      "agents": [
        "grok"
      ],
      "host": "192.0.2.77",
      "port": 3000,
      "providers": [
        "xai"
      ],
      "models": [
        "grok-4"
      ],
      "capabilities": [],
      "metadata": {
        "deployable": false
      },
      "status": "degraded",
      "lastSeen": 1795735900000,
      "registeredAt": 1795735000000,
      "version": "0.1.0",
      "platform": "android"
    },
    "rivet-a": {
      "id": "rivet-a",
      "name": "rivet-a",
      "agents": [
        "echo"
      ],
      "host": "192.0.2.50",
      "port": 3000,
      "providers": [
        "echo"
      ],
      "models": [],
      "capabilities": [],
      "status": "online",
      "lastSeen": 1795735870001,
      "registeredAt": 1795735000050,
      "version": "0.1.0"
    }
  },
  "updatedAt": 1795735995001
})";

// Our node's record as the daemon builds it.
inline registry::NodeRecord ourNode(const std::string& name = "rivet-a") {
  registry::NodeFields f;
  f.id = f.name = name;
  f.agents = {"echo"};
  f.host = "192.0.2.50";
  f.providers = {"echo"};
  return registry::NodeRecord::fromFields(f);
}

// A clock the test moves by hand; starts at kNow.
struct FakeClock {
  std::shared_ptr<int64_t> now = std::make_shared<int64_t>(kNow);
  registry::RegistryStore::Clock clock() const {
    auto n = now;
    return [n] { return *n; };
  }
};

// Routes every log line to a file for the life of the object.
class LogCapture {
public:
  LogCapture() { log::configure({"info", "pretty", dir_.file("log.txt")}); }
  ~LogCapture() { log::configure({}); }
  std::string text() const {
    log::flush();
    return readFile(dir_.file("log.txt"));
  }
  size_t count(const std::string& needle) const {
    std::string t = text();
    size_t n = 0;
    for (size_t at = t.find(needle); at != std::string::npos; at = t.find(needle, at + 1))
      ++n;
    return n;
  }

private:
  TempDir dir_;
};

} // namespace rivet::test
