// The node's side of the host API reduced to what an agent needs to be created and started,
// for unit tests of the loader and the channel; nothing is reachable and nothing delegates.
#pragma once

#include "plugin/HostServices.hpp"

#include <string>

namespace rivet::test {

class StubHostServices : public plugin::HostServices {
public:
  std::string nodeInfoJson() const override { return R"({"node_name":"unit"})"; }
  rivet_net_result request(const rivet_peer_request&, rivet_peer_response&) override {
    return RIVET_NET_UNAVAILABLE;
  }
  void peersSeen(std::string_view) override {}
  void peerLost(std::string_view) override {}
  void dispatch(const rivet_inbound_request&, rivet_responder& responder) override {
    responder.respond(responder.ctx, 404, nullptr, 0, {"", 0});
  }
  rivet_task_status delegate(std::string_view, const rivet_task*, std::string_view,
                             std::string& result) override {
    result = R"({"status":"rejected","response":"no delegation in unit tests"})";
    return RIVET_TASK_REJECTED;
  }
  std::string roster(std::string_view, const rivet_task*) override {
    return R"({"chainDepth":0,"maxChainDepth":3,"canDelegate":false,"refusal":"unit test",)"
           R"("agents":[]})";
  }
  bool taskCredential(std::string_view, const rivet_task*, std::string& out) override {
    out = "no delegation socket in unit tests";
    return false;
  }
};

} // namespace rivet::test
