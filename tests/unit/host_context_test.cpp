// The host API table a plugin is given (plugin/HostContext): structs from plugins built for an
// older ABI minor are read as far as their struct_size says, never refused for being shorter
// than this ABI's; structs shorter than ABI 1.0's are refused.
#include "plugin/HostContext.hpp"

#include "StubHostServices.hpp"

#include <gtest/gtest.h>

#include <cstddef>

namespace {

class RecordingServices : public rivet::test::StubHostServices {
public:
  int requests = 0;
  uint32_t lastStructSize = 0;
  rivet_net_result request(const rivet_peer_request& r, rivet_peer_response& resp) override {
    ++requests;
    lastStructSize = r.struct_size;
    resp.status = 200;
    return RIVET_NET_OK;
  }
};

rivet_peer_request requestOfSize(size_t size) {
  rivet_peer_request r{};
  r.struct_size = static_cast<uint32_t>(size);
  r.host = {"127.0.0.1", 9};
  r.port = 3000;
  r.method = {"GET", 3};
  r.path = {"/api/mesh/ping", 14};
  r.timeout_ms = 1000;
  return r;
}

TEST(HostContext, APeerRequestFromAPluginBuiltForAbi12IsSentNotRefused) {
  RecordingServices services;
  rivet::plugin::HostContext host(services, "seed", "Discovery", "{}");
  std::string error;
  rivet_peer_response resp{sizeof(rivet_peer_response),
                           0,
                           {nullptr, nullptr},
                           {&error, [](void* c, const char* d, size_t n) {
                              static_cast<std::string*>(c)->append(d, n);
                            }}};
  rivet_peer_request old = requestOfSize(offsetof(rivet_peer_request, headers)); // ABI 1.0-1.2
  EXPECT_EQ(host.api()->request(host.api()->host, &old, &resp), RIVET_NET_OK) << error;
  EXPECT_EQ(services.lastStructSize, offsetof(rivet_peer_request, headers));
  rivet_peer_request now = requestOfSize(sizeof(rivet_peer_request));
  EXPECT_EQ(host.api()->request(host.api()->host, &now, &resp), RIVET_NET_OK);
  EXPECT_EQ(services.requests, 2);
  rivet_peer_request broken = requestOfSize(offsetof(rivet_peer_request, timeout_ms));
  EXPECT_EQ(host.api()->request(host.api()->host, &broken, &resp), RIVET_NET_NOT_DELIVERED);
  EXPECT_EQ(services.requests, 2) << "a struct shorter than ABI 1.0's never reaches the node";
}

TEST(HostContext, ProgressOutsideARunningTaskIsRefused) {
  RecordingServices services; // its progress() knows no running task
  rivet::plugin::HostContext host(services, "agent", "Agents", "{}");
  rivet_task task{};
  task.struct_size = sizeof task;
  EXPECT_EQ(host.api()->progress(host.api()->host, &task, {"text", 4}, {"x", 1}), RIVET_ERROR);
  EXPECT_EQ(host.api()->progress(host.api()->host, nullptr, {"text", 4}, {"x", 1}), RIVET_ERROR);
}

} // namespace
