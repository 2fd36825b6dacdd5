// The Avahi client's whole life on its own AvahiThreadedPoll thread: connect with
// AVAHI_CLIENT_NO_FAIL, publish and browse once RUNNING, survive the daemon going away
// (free the client, connect again, republish, rebrowse), retry quietly while D-Bus is absent,
// and withdraw on stop. One ERROR line says what to start when mDNS is unavailable.
#pragma once

#include "Announcement.hpp"
#include "MdnsSettings.hpp"
#include "PeerBrowser.hpp"
#include "PeerEvents.hpp"
#include "ServicePublisher.hpp"

#include <avahi-client/client.h>
#include <avahi-common/thread-watch.h>

#include <atomic>
#include <thread>

namespace rivet::mdns {

class AvahiSession {
public:
  AvahiSession(const MdnsSettings& settings, PeerEvents& events);
  ~AvahiSession();
  AvahiSession(const AvahiSession&) = delete;
  AvahiSession& operator=(const AvahiSession&) = delete;

  // Starts the poll thread and the first connection attempt; never fails for a missing daemon.
  // Throws sdk::PluginError only if the poll thread cannot be created.
  void start();
  // Withdraws the service, frees the client and joins the poll thread. Idempotent.
  void stop();
  // New TXT content (agents, version); published at once when possible. Any thread.
  void announce(const Announcement& announcement);

private:
  // What the user was last told about the daemon.
  enum class Availability { Unknown, Running, Lost, Unavailable };

  static void clientCallback(AvahiClient* client, AvahiClientState state, void* self);
  static void timerCallback(AvahiTimeout* timeout, void* self);
  void onState(AvahiClient* client, AvahiClientState state);
  void onRunning(AvahiClient* client);
  void onFailure(AvahiClient* client);
  void tick();
  void connect();
  void dropClient();
  void schedule(unsigned ms);
  void markPollThread() { pollThread_ = std::this_thread::get_id(); }
  std::string busAddress() const;

  MdnsSettings settings_;
  PeerEvents& events_;
  ServicePublisher publisher_;
  PeerBrowser browser_;
  AvahiThreadedPoll* poll_ = nullptr;
  AvahiClient* client_ = nullptr;
  AvahiTimeout* timer_ = nullptr;
  Availability availability_ = Availability::Unknown;
  bool everRunning_ = false;
  bool stopping_ = false;
  std::atomic<std::thread::id> pollThread_{};
};

} // namespace rivet::mdns
