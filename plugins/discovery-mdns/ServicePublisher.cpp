// The entry group's life: add + commit, COLLISION -> avahi_alternative_service_name, TXT
// updates in place (reset + re-add when the daemon refuses), free on stop.
#include "ServicePublisher.hpp"

#include <avahi-common/alternative.h>
#include <avahi-common/domain.h>
#include <avahi-common/error.h>
#include <avahi-common/malloc.h>

namespace rivet::mdns {
namespace {

// A DNS-SD instance name is one label of at most 63 bytes.
std::string instanceNameFor(const std::string& nodeName) {
  return nodeName.size() < AVAHI_LABEL_MAX ? nodeName : nodeName.substr(0, AVAHI_LABEL_MAX - 1);
}

} // namespace

ServicePublisher::ServicePublisher(std::string serviceType, Announcement announcement,
                                   PeerEvents& events)
    : type_(std::move(serviceType)), announcement_(std::move(announcement)), events_(events),
      name_(instanceNameFor(announcement_.nodeName)) {}

void ServicePublisher::publish(AvahiClient* client) {
  client_ = client;
  if (!group_) {
    group_ = avahi_entry_group_new(client, &ServicePublisher::groupCallback, this);
    if (!group_) {
      events_.log(RIVET_LOG_WARN, "mDNS: cannot create an entry group to publish '" + name_ +
                                      "': " + clientError() + "; retrying shortly");
      return;
    }
  }
  if (added_)
    return;
  if (!avahi_entry_group_is_empty(group_))
    avahi_entry_group_reset(group_); // left over from a failed commit
  addService();
}

void ServicePublisher::reset() {
  if (group_)
    avahi_entry_group_reset(group_);
  added_ = false;
}

void ServicePublisher::announce(const Announcement& announcement) {
  bool txtOnly =
      announcement.nodeName == announcement_.nodeName && announcement.port == announcement_.port;
  announcement_ = announcement;
  if (!group_ || !added_)
    return; // publish() will use it
  if (txtOnly) {
    AvahiStringList* txt = txtList();
    int r = avahi_entry_group_update_service_txt_strlst(group_, AVAHI_IF_UNSPEC, AVAHI_PROTO_INET,
                                                        static_cast<AvahiPublishFlags>(0),
                                                        name_.c_str(), type_.c_str(), nullptr, txt);
    avahi_string_list_free(txt);
    if (r == AVAHI_OK) {
      events_.log(RIVET_LOG_INFO, "mDNS: updated the TXT record of '" + name_ +
                                      "' (agents: " + announcement_.agentList() + ")");
      return;
    }
    events_.log(RIVET_LOG_DEBUG, "mDNS: in-place TXT update refused (" +
                                     std::string(avahi_strerror(r)) + "); re-adding the service");
  }
  avahi_entry_group_reset(group_);
  added_ = false;
  addService();
}

void ServicePublisher::forget() {
  group_ = nullptr;
  client_ = nullptr;
  added_ = false;
}

void ServicePublisher::withdraw() {
  if (!group_)
    return;
  bool wasPublished = added_;
  avahi_entry_group_free(group_); // the daemon sends the goodbye
  group_ = nullptr;
  added_ = false;
  if (wasPublished)
    events_.log(RIVET_LOG_INFO, "mDNS: withdrew service '" + name_ + "'");
}

void ServicePublisher::addService() {
  AvahiStringList* txt = txtList();
  int r = avahi_entry_group_add_service_strlst(
      group_, AVAHI_IF_UNSPEC, AVAHI_PROTO_INET, static_cast<AvahiPublishFlags>(0), name_.c_str(),
      type_.c_str(), nullptr, nullptr, static_cast<uint16_t>(announcement_.port), txt);
  avahi_string_list_free(txt);
  if (r == AVAHI_ERR_COLLISION) {
    rename("is already published by another program on this host");
    return;
  }
  if (r < 0) {
    events_.log(RIVET_LOG_WARN,
                "mDNS: cannot publish '" + name_ + "' as " + type_ + ": " + avahi_strerror(r));
    return;
  }
  if ((r = avahi_entry_group_commit(group_)) < 0) {
    events_.log(RIVET_LOG_WARN,
                "mDNS: cannot commit service '" + name_ + "': " + avahi_strerror(r));
    return;
  }
  added_ = true;
}

void ServicePublisher::rename(const char* why) {
  char* next = avahi_alternative_service_name(name_.c_str());
  std::string previous = name_;
  name_ = next;
  avahi_free(next);
  events_.log(RIVET_LOG_WARN, "mDNS: service name '" + previous + "' " + why + "; renamed to '" +
                                  name_ + "' (peers still read node=" + announcement_.nodeName +
                                  " from its TXT record)");
  avahi_entry_group_reset(group_);
  added_ = false;
  addService();
}

AvahiStringList* ServicePublisher::txtList() const {
  AvahiStringList* list = nullptr;
  for (const auto& s : announcement_.txt())
    list = avahi_string_list_add(list, s.c_str());
  return avahi_string_list_reverse(list); // add() prepends; keep node= first on the wire
}

std::string ServicePublisher::clientError() const {
  return client_ ? avahi_strerror(avahi_client_errno(client_)) : "no client";
}

void ServicePublisher::groupCallback(AvahiEntryGroup* group, AvahiEntryGroupState state,
                                     void* userdata) {
  auto* self = static_cast<ServicePublisher*>(userdata);
  self->group_ = group; // may fire inside avahi_entry_group_new, before it returned
  switch (state) {
  case AVAHI_ENTRY_GROUP_ESTABLISHED:
    self->events_.log(RIVET_LOG_INFO, "mDNS: published '" + self->name_ + "' as " + self->type_ +
                                          " on port " + std::to_string(self->announcement_.port) +
                                          " (agents: " + self->announcement_.agentList() + ")");
    break;
  case AVAHI_ENTRY_GROUP_COLLISION:
    self->rename("is taken by another node on the network");
    break;
  case AVAHI_ENTRY_GROUP_FAILURE:
    self->events_.log(RIVET_LOG_WARN, "mDNS: publishing '" + self->name_ +
                                          "' failed: " + self->clientError() +
                                          "; it is published again when avahi-daemon recovers");
    self->added_ = false;
    break;
  case AVAHI_ENTRY_GROUP_UNCOMMITED:
  case AVAHI_ENTRY_GROUP_REGISTERING:
    break;
  }
}

} // namespace rivet::mdns
