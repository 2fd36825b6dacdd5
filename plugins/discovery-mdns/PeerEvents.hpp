// What the Avahi side tells the plugin: peers found and gone, and lines to log. Called on the
// AvahiThreadedPoll thread, with the poll lock held.
#pragma once

#include <rivet/sdk/abi.h>

#include <string>

namespace rivet::mdns {

class PeerEvents {
public:
  virtual ~PeerEvents() = default;
  // A peer's service resolved: its TXT node= name, IPv4 address and port.
  virtual void peerSeen(const std::string& name, const std::string& host, int port) = 0;
  // The peer's service was removed (goodbye or expiry).
  virtual void peerLost(const std::string& name) = 0;
  virtual void log(rivet_log_level level, const std::string& message) = 0;
};

} // namespace rivet::mdns
