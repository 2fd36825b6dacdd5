// discovery-mdns: publishes this node as a DNS-SD service (default _rivetos._tcp, TXT node=,
// port=, version=, agents=) through avahi-daemon, browses for the other nodes and reports them
// to the host, which verifies each over mTLS before trusting it. Loaded by
// `mesh.discovery.mode: mdns`; needs a D-Bus system bus with avahi-daemon on it.
#include "AvahiSession.hpp"
#include "MdnsSettings.hpp"

#include <rivet/sdk/plugin.hpp>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include <mutex>
#include <sstream>

namespace rivet::mdns {
namespace {

class MdnsDiscovery : public sdk::Discovery, private PeerEvents {
public:
  explicit MdnsDiscovery(const sdk::Host& host)
      : Discovery(host),
        settings_(MdnsSettings::parse(this->host().configJson(), this->host().nodeInfoJson())),
        announcement_{settings_.nodeName, settings_.port, settings_.version, {}},
        session_(settings_, *this) {}

  void start() override { session_.start(); }

  void stop() override { session_.stop(); }

  void selfChanged(std::string_view selfJson) override {
    Announcement next;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (!announcement_.applyRecord(selfJson))
        return;
      next = announcement_;
    }
    session_.announce(next);
  }

private:
  void peerSeen(const std::string& name, const std::string& address, int port) override {
    Poco::JSON::Object peer(Poco::JSON_PRESERVE_KEY_ORDER);
    peer.set("name", name);
    peer.set("host", address);
    peer.set("port", port);
    Poco::JSON::Array list;
    list.add(peer);
    std::ostringstream json;
    list.stringify(json);
    log(RIVET_LOG_INFO, "mDNS: found peer " + name + " at " + address + ":" + std::to_string(port) +
                            "; reporting it for verification");
    const std::string text = json.str();
    host().raw()->peers_seen(host().raw()->host, sdk::str(text));
  }

  void peerLost(const std::string& name) override {
    log(RIVET_LOG_INFO, "mDNS: peer " + name + " withdrew its service (goodbye)");
    host().raw()->peer_lost(host().raw()->host, sdk::str(name));
  }

  void log(rivet_log_level level, const std::string& message) override {
    host().log(level, message);
  }

  MdnsSettings settings_;
  std::mutex mutex_; // announcement_: selfChanged may come from any host thread
  Announcement announcement_;
  AvahiSession session_;
};

} // namespace
} // namespace rivet::mdns

RIVET_PLUGIN(rivet::mdns::MdnsDiscovery, "discovery-mdns", "1.0.0",
             "mDNS/DNS-SD through avahi-daemon: publishes this node, reports the peers it finds")
