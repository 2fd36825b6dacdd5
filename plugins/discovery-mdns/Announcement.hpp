// What this node announces over mDNS: its node name, channel port, version and agents as the
// TXT strings node=, port=, version=, agents= (each within DNS-SD's 255-byte limit).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace rivet::mdns {

constexpr size_t kMaxTxtString = 255; // one TXT character-string (RFC 6763 §6.1)

struct Announcement {
  std::string nodeName;
  int port = 0;
  std::string version;
  std::vector<std::string> agents;

  // node=..., port=..., version=..., agents=a,b,c in that order.
  std::vector<std::string> txt() const;
  // Takes agents and version from this node's registry record (the JSON that selfChanged
  // receives). Returns true when anything announced changed. Ignores JSON it cannot read.
  bool applyRecord(std::string_view recordJson);
  // "a, b" or "none", for log lines.
  std::string agentList() const;

  bool operator==(const Announcement& o) const {
    return nodeName == o.nodeName && port == o.port && version == o.version && agents == o.agents;
  }
};

// "agents=a,b,c", cut after the last whole agent id that keeps it within kMaxTxtString bytes.
std::string agentsTxt(const std::vector<std::string>& agents);

} // namespace rivet::mdns
