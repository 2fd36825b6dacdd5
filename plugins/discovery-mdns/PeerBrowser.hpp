// Browses the mesh service type over IPv4, resolves each new instance, reports it by its TXT
// node= name (never our own service), and reports that name lost when the instance is removed.
// Every method runs on the poll thread or under avahi_threaded_poll_lock.
#pragma once

#include "PeerEvents.hpp"

#include <avahi-client/lookup.h>

#include <map>
#include <string>
#include <tuple>

namespace rivet::mdns {

class PeerBrowser {
public:
  PeerBrowser(std::string serviceType, std::string ownNode, PeerEvents& events);
  PeerBrowser(const PeerBrowser&) = delete;
  PeerBrowser& operator=(const PeerBrowser&) = delete;

  // The client is RUNNING: start browsing unless already (again after a browser failure), and
  // resolve again any instance whose resolution failed. False if the browser was refused.
  bool open(AvahiClient* client);
  // The client was freed: its browser and resolvers went with it. Peers are not reported
  // lost: the daemon restarting says nothing about them; browsing again finds them again.
  void forget();
  // Stop: free the browser and any resolver still running.
  void close();

private:
  using Key = std::tuple<AvahiIfIndex, AvahiProtocol, std::string>; // one instance on one link
  struct Instance {
    std::string type, domain;
    AvahiServiceResolver* resolver = nullptr; // while resolving
    std::string node;                         // the TXT node= name once resolved
    bool ours = false;                        // our own service: never reported
  };

  static void browseCallback(AvahiServiceBrowser* b, AvahiIfIndex iface, AvahiProtocol proto,
                             AvahiBrowserEvent event, const char* name, const char* type,
                             const char* domain, AvahiLookupResultFlags flags, void* self);
  static void resolveCallback(AvahiServiceResolver* r, AvahiIfIndex iface, AvahiProtocol proto,
                              AvahiResolverEvent event, const char* name, const char* type,
                              const char* domain, const char* host, const AvahiAddress* address,
                              uint16_t port, AvahiStringList* txt, AvahiLookupResultFlags flags,
                              void* self);
  void added(const Key& key, const char* type, const char* domain);
  void resolve(const Key& key, Instance& instance);
  void removed(const Key& key);
  void resolved(AvahiServiceResolver* r, const char* name, const AvahiAddress* address,
                uint16_t port, AvahiStringList* txt, AvahiLookupResultFlags flags);
  void unresolved(AvahiServiceResolver* r, const char* name);
  Instance* instanceOf(AvahiServiceResolver* r);
  std::string clientError() const;

  std::string type_;
  std::string ownNode_;
  PeerEvents& events_;
  AvahiClient* client_ = nullptr;
  AvahiServiceBrowser* browser_ = nullptr;
  bool browserFailed_ = false; // freed by the next open(), not inside its own callback
  std::map<Key, Instance> instances_;
};

} // namespace rivet::mdns
