// Client states -> actions. Everything below runs on the poll thread (a timer starts the first
// connection there), except start/stop/announce, which take the poll lock.
#include "AvahiSession.hpp"

#include <rivet/sdk/plugin.hpp>

#include <avahi-common/error.h>
#include <avahi-common/timeval.h>

#include <cstdlib>

namespace rivet::mdns {
namespace {

constexpr unsigned kReconnectDelayMs = 200; // after the daemon went away
constexpr unsigned kTickMs = 3000; // retry without D-Bus; republish/rebrowse after failures

} // namespace

AvahiSession::AvahiSession(const MdnsSettings& settings, PeerEvents& events)
    : settings_(settings), events_(events),
      publisher_(settings.serviceType,
                 Announcement{settings.nodeName, settings.port, settings.version, {}}, events),
      browser_(settings.serviceType, settings.nodeName, events) {}

AvahiSession::~AvahiSession() {
  stop();
}

void AvahiSession::start() {
  if (poll_)
    return;
  poll_ = avahi_threaded_poll_new();
  if (!poll_)
    throw sdk::PluginError("discovery-mdns: cannot create the Avahi poll (out of memory?)");
  const AvahiPoll* api = avahi_threaded_poll_get(poll_);
  struct timeval now;
  timer_ = api->timeout_new(api, avahi_elapse_time(&now, 0, 0), &AvahiSession::timerCallback,
                            this); // the first tick connects, on the poll thread
  if (!timer_ || avahi_threaded_poll_start(poll_) < 0) {
    if (timer_)
      api->timeout_free(timer_);
    timer_ = nullptr;
    avahi_threaded_poll_free(poll_);
    poll_ = nullptr;
    throw sdk::PluginError("discovery-mdns: cannot start the Avahi poll thread");
  }
}

void AvahiSession::stop() {
  if (!poll_)
    return;
  avahi_threaded_poll_lock(poll_);
  stopping_ = true;
  publisher_.withdraw();
  browser_.close();
  if (client_)
    avahi_client_free(client_);
  client_ = nullptr;
  if (timer_)
    avahi_threaded_poll_get(poll_)->timeout_free(timer_);
  timer_ = nullptr;
  avahi_threaded_poll_unlock(poll_);
  avahi_threaded_poll_stop(poll_);
  avahi_threaded_poll_free(poll_);
  poll_ = nullptr;
}

void AvahiSession::announce(const Announcement& announcement) {
  if (!poll_ || std::this_thread::get_id() == pollThread_.load()) {
    publisher_.announce(announcement); // not started yet, or called back on the poll thread
    return;
  }
  avahi_threaded_poll_lock(poll_);
  if (!stopping_)
    publisher_.announce(announcement);
  avahi_threaded_poll_unlock(poll_);
}

void AvahiSession::tick() {
  if (stopping_)
    return;
  if (client_ && avahi_client_get_state(client_) == AVAHI_CLIENT_FAILURE)
    dropClient();
  if (!client_)
    connect();
  if (client_ && avahi_client_get_state(client_) == AVAHI_CLIENT_S_RUNNING) {
    publisher_.publish(client_); // no-op when published; again after a group failure
    browser_.open(client_);      // likewise, and re-resolves what failed to resolve
  }
  schedule(kTickMs);
}

void AvahiSession::connect() {
  int error = 0;
  AvahiClient* client = avahi_client_new(avahi_threaded_poll_get(poll_), AVAHI_CLIENT_NO_FAIL,
                                         &AvahiSession::clientCallback, this, &error);
  client_ = client; // callbacks inside avahi_client_new may have set it already
  if (client)
    return;
  if (availability_ == Availability::Unknown) {
    events_.log(RIVET_LOG_ERROR,
                "mDNS discovery is unavailable: cannot reach the D-Bus system bus at " +
                    busAddress() + " (" + avahi_strerror(error) +
                    "); start dbus-daemon and avahi-daemon (or set DBUS_SYSTEM_BUS_ADDRESS to "
                    "the bus avahi-daemon uses); this node keeps serving without mDNS and "
                    "retries every " +
                    std::to_string(kTickMs / 1000) + " s");
    availability_ = Availability::Unavailable;
  } else {
    events_.log(RIVET_LOG_DEBUG,
                std::string("mDNS: still no D-Bus system bus: ") + avahi_strerror(error));
  }
}

void AvahiSession::dropClient() {
  publisher_.forget();
  browser_.forget();
  avahi_client_free(client_);
  client_ = nullptr;
}

void AvahiSession::schedule(unsigned ms) {
  struct timeval when;
  avahi_threaded_poll_get(poll_)->timeout_update(timer_, avahi_elapse_time(&when, ms, 0));
}

void AvahiSession::onState(AvahiClient* client, AvahiClientState state) {
  client_ = client;
  switch (state) {
  case AVAHI_CLIENT_S_RUNNING:
    onRunning(client);
    break;
  case AVAHI_CLIENT_S_REGISTERING:
  case AVAHI_CLIENT_S_COLLISION:
    publisher_.reset(); // the daemon is (re)claiming its host name; publish again once RUNNING
    break;
  case AVAHI_CLIENT_CONNECTING:
    if (availability_ == Availability::Unknown) {
      events_.log(RIVET_LOG_ERROR,
                  "mDNS discovery is unavailable: avahi-daemon is not running on the D-Bus "
                  "system bus at " +
                      busAddress() +
                      "; start avahi-daemon; this node keeps serving without mDNS and publishes "
                      "as soon as avahi-daemon appears");
      availability_ = Availability::Unavailable;
    }
    break;
  case AVAHI_CLIENT_FAILURE:
    onFailure(client);
    break;
  }
}

void AvahiSession::onRunning(AvahiClient* client) {
  const char* fqdn = avahi_client_get_host_name_fqdn(client);
  std::string what = "publishing '" + publisher_.instanceName() + "' as " + settings_.serviceType +
                     " on port " + std::to_string(settings_.port) + " and browsing for peers";
  std::string daemon = std::string("avahi-daemon (host ") + (fqdn ? fqdn : "?") + ")";
  switch (availability_) {
  case Availability::Unknown:
    events_.log(RIVET_LOG_INFO, "mDNS: connected to " + daemon + "; " + what);
    break;
  case Availability::Lost:
    events_.log(RIVET_LOG_INFO, "mDNS: " + daemon + " is back; reconnected, " + what + " again");
    break;
  case Availability::Unavailable:
    events_.log(RIVET_LOG_INFO,
                "mDNS discovery is available now: connected to " + daemon + "; " + what);
    break;
  case Availability::Running:
    break; // host name re-registered after a collision
  }
  availability_ = Availability::Running;
  publisher_.publish(client);
  browser_.open(client);
}

void AvahiSession::onFailure(AvahiClient* client) {
  std::string reason = avahi_strerror(avahi_client_errno(client));
  if (availability_ == Availability::Running) {
    events_.log(RIVET_LOG_WARN, "mDNS: lost avahi-daemon (" + reason +
                                    "); this node keeps serving and reconnects, republishes and "
                                    "browses again when the daemon is back");
    availability_ = Availability::Lost;
  } else if (availability_ == Availability::Unknown) {
    events_.log(RIVET_LOG_ERROR, "mDNS discovery is unavailable: " + reason +
                                     "; start dbus-daemon and avahi-daemon; this node keeps "
                                     "serving without mDNS and keeps retrying");
    availability_ = Availability::Unavailable;
  }
  // Free and reconnect from the timer, not inside the client's own callback.
  schedule(kReconnectDelayMs);
}

std::string AvahiSession::busAddress() const {
  const char* env = std::getenv("DBUS_SYSTEM_BUS_ADDRESS");
  return env && *env ? env : "unix:path=/var/run/dbus/system_bus_socket";
}

void AvahiSession::clientCallback(AvahiClient* client, AvahiClientState state, void* userdata) {
  auto* self = static_cast<AvahiSession*>(userdata);
  if (!self->stopping_)
    self->onState(client, state);
}

void AvahiSession::timerCallback(AvahiTimeout*, void* userdata) {
  auto* self = static_cast<AvahiSession*>(userdata);
  self->markPollThread();
  self->tick();
}

} // namespace rivet::mdns
