// Publishes this node's service in one Avahi entry group: adds and commits it, renames it on a
// name collision, updates its TXT strings in place, and withdraws it (goodbye) on stop.
// Every method runs on the poll thread or under avahi_threaded_poll_lock.
#pragma once

#include "Announcement.hpp"
#include "PeerEvents.hpp"

#include <avahi-client/publish.h>

#include <string>

namespace rivet::mdns {

class ServicePublisher {
public:
  ServicePublisher(std::string serviceType, Announcement announcement, PeerEvents& events);
  ServicePublisher(const ServicePublisher&) = delete;
  ServicePublisher& operator=(const ServicePublisher&) = delete;

  // The client is RUNNING: create the group if needed and publish unless already published.
  void publish(AvahiClient* client);
  // The daemon is re-registering its host name: take the service down until publish() again.
  void reset();
  // New TXT content; pushed at once when the service is published, else kept for publish().
  void announce(const Announcement& announcement);
  // The client was freed (daemon gone): the group went with it.
  void forget();
  // Stop: free the group, which withdraws the service with goodbye packets.
  void withdraw();

  const std::string& instanceName() const { return name_; }
  const Announcement& announcement() const { return announcement_; }

private:
  static void groupCallback(AvahiEntryGroup* group, AvahiEntryGroupState state, void* self);
  void addService();
  void rename(const char* why);
  AvahiStringList* txtList() const;
  std::string clientError() const;

  std::string type_;
  Announcement announcement_;
  PeerEvents& events_;
  std::string name_; // the instance name, node_name unless a collision renamed it
  AvahiClient* client_ = nullptr;
  AvahiEntryGroup* group_ = nullptr;
  bool added_ = false; // the service is in the group (committed or being committed)
};

} // namespace rivet::mdns
