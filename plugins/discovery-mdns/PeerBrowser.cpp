// Browse -> resolve -> report: NEW starts a resolver, FOUND reports the peer (TXT node= wins
// over the instance name, which a collision may have renamed), REMOVE reports it lost.
#include "PeerBrowser.hpp"

#include <avahi-common/address.h>
#include <avahi-common/error.h>
#include <avahi-common/malloc.h>

namespace rivet::mdns {
namespace {

// The value of `key=` in a TXT record, or "" when absent.
std::string txtValue(AvahiStringList* txt, const char* key) {
  AvahiStringList* item = avahi_string_list_find(txt, key);
  if (!item)
    return "";
  char* k = nullptr;
  char* v = nullptr;
  size_t size = 0;
  if (avahi_string_list_get_pair(item, &k, &v, &size) < 0)
    return "";
  std::string value = v ? std::string(v, size) : "";
  avahi_free(k);
  avahi_free(v);
  return value;
}

} // namespace

PeerBrowser::PeerBrowser(std::string serviceType, std::string ownNode, PeerEvents& events)
    : type_(std::move(serviceType)), ownNode_(std::move(ownNode)), events_(events) {}

bool PeerBrowser::open(AvahiClient* client) {
  client_ = client;
  if (browser_ && browserFailed_) {
    close();
    browserFailed_ = false;
  }
  if (browser_) {
    for (auto& [key, instance] : instances_)
      if (!instance.resolver && instance.node.empty() && !instance.ours)
        resolve(key, instance);
    return true;
  }
  browser_ = avahi_service_browser_new(client, AVAHI_IF_UNSPEC, AVAHI_PROTO_INET, type_.c_str(),
                                       nullptr, static_cast<AvahiLookupFlags>(0),
                                       &PeerBrowser::browseCallback, this);
  if (!browser_)
    events_.log(RIVET_LOG_WARN,
                "mDNS: cannot browse " + type_ + ": " + clientError() + "; retrying shortly");
  return browser_ != nullptr;
}

void PeerBrowser::forget() {
  browser_ = nullptr;
  browserFailed_ = false;
  client_ = nullptr;
  instances_.clear();
}

void PeerBrowser::close() {
  for (auto& [key, instance] : instances_)
    if (instance.resolver)
      avahi_service_resolver_free(instance.resolver);
  instances_.clear();
  if (browser_)
    avahi_service_browser_free(browser_);
  browser_ = nullptr;
  client_ = nullptr;
}

void PeerBrowser::added(const Key& key, const char* type, const char* domain) {
  Instance& instance = instances_[key];
  if (instance.resolver)
    return; // already resolving
  instance.type = type;
  instance.domain = domain;
  resolve(key, instance);
}

void PeerBrowser::resolve(const Key& key, Instance& instance) {
  instance.resolver = avahi_service_resolver_new(
      client_, std::get<0>(key), std::get<1>(key), std::get<2>(key).c_str(), instance.type.c_str(),
      instance.domain.c_str(), AVAHI_PROTO_INET, static_cast<AvahiLookupFlags>(0),
      &PeerBrowser::resolveCallback, this);
  if (!instance.resolver)
    events_.log(RIVET_LOG_WARN,
                "mDNS: cannot resolve '" + std::get<2>(key) + "': " + clientError());
}

void PeerBrowser::removed(const Key& key) {
  auto it = instances_.find(key);
  if (it == instances_.end())
    return;
  std::string node = it->second.node;
  if (it->second.resolver)
    avahi_service_resolver_free(it->second.resolver);
  instances_.erase(it);
  if (node.empty())
    return; // never resolved, or our own
  for (const auto& [k, other] : instances_)
    if (other.node == node)
      return; // still announced on another link
  events_.peerLost(node);
}

void PeerBrowser::resolved(AvahiServiceResolver* r, const char* name, const AvahiAddress* address,
                           uint16_t port, AvahiStringList* txt, AvahiLookupResultFlags flags) {
  Instance* instance = instanceOf(r);
  if (instance)
    instance->resolver = nullptr;
  avahi_service_resolver_free(r);
  std::string node = txtValue(txt, "node");
  if (node.empty())
    node = name; // a peer without TXT: its instance name is the best guess
  if ((flags & AVAHI_LOOKUP_RESULT_OUR_OWN) || node == ownNode_) {
    if (instance)
      instance->ours = true;
    return;
  }
  char text[AVAHI_ADDRESS_STR_MAX];
  if (!address || address->proto != AVAHI_PROTO_INET ||
      !avahi_address_snprint(text, sizeof text, address))
    return;
  if (instance)
    instance->node = node;
  events_.peerSeen(node, text, port);
}

void PeerBrowser::unresolved(AvahiServiceResolver* r, const char* name) {
  if (Instance* instance = instanceOf(r))
    instance->resolver = nullptr;
  events_.log(RIVET_LOG_DEBUG,
              "mDNS: could not resolve '" + std::string(name ? name : "") + "': " + clientError());
  avahi_service_resolver_free(r);
}

PeerBrowser::Instance* PeerBrowser::instanceOf(AvahiServiceResolver* r) {
  for (auto& [key, instance] : instances_)
    if (instance.resolver == r)
      return &instance;
  return nullptr;
}

std::string PeerBrowser::clientError() const {
  return client_ ? avahi_strerror(avahi_client_errno(client_)) : "no client";
}

void PeerBrowser::browseCallback(AvahiServiceBrowser*, AvahiIfIndex iface, AvahiProtocol proto,
                                 AvahiBrowserEvent event, const char* name, const char* type,
                                 const char* domain, AvahiLookupResultFlags flags, void* userdata) {
  auto* self = static_cast<PeerBrowser*>(userdata);
  switch (event) {
  case AVAHI_BROWSER_NEW:
    if (flags & AVAHI_LOOKUP_RESULT_OUR_OWN)
      self->instances_[{iface, proto, name}].ours = true;
    else
      self->added({iface, proto, name}, type, domain);
    break;
  case AVAHI_BROWSER_REMOVE:
    self->removed({iface, proto, name});
    break;
  case AVAHI_BROWSER_FAILURE:
    self->events_.log(RIVET_LOG_WARN, "mDNS: browsing " + self->type_ +
                                          " failed: " + self->clientError() +
                                          "; browsing again when avahi-daemon recovers");
    self->browserFailed_ = true;
    break;
  case AVAHI_BROWSER_ALL_FOR_NOW:
  case AVAHI_BROWSER_CACHE_EXHAUSTED:
    break;
  }
}

void PeerBrowser::resolveCallback(AvahiServiceResolver* r, AvahiIfIndex, AvahiProtocol,
                                  AvahiResolverEvent event, const char* name, const char*,
                                  const char*, const char*, const AvahiAddress* address,
                                  uint16_t port, AvahiStringList* txt, AvahiLookupResultFlags flags,
                                  void* userdata) {
  auto* self = static_cast<PeerBrowser*>(userdata);
  if (event == AVAHI_RESOLVER_FOUND)
    self->resolved(r, name, address, port, txt, flags);
  else
    self->unresolved(r, name);
}

} // namespace rivet::mdns
