// The host side for plugin instances that are only created and destroyed (rivetd
// --check-config): node info answers, and every call that would reach the mesh is refused.
#pragma once

#include "plugin/HostServices.hpp"

#include <string>

namespace rivet::app {

class ProbeHost : public plugin::HostServices {
public:
  explicit ProbeHost(std::string nodeInfoJson) : nodeInfo_(std::move(nodeInfoJson)) {}

  std::string nodeInfoJson() const override { return nodeInfo_; }
  rivet_net_result request(const rivet_peer_request&, rivet_peer_response&) override {
    return RIVET_NET_UNAVAILABLE;
  }
  void peersSeen(std::string_view) override {}
  void peerLost(std::string_view) override {}
  void dispatch(const rivet_inbound_request&, rivet_responder& responder) override {
    responder.respond(responder.ctx, 503, nullptr, 0, {"", 0});
  }
  rivet_task_status delegate(std::string_view, const rivet_task*, std::string_view,
                             std::string& result) override {
    result = R"({"status":"rejected","response":"rivetd is only checking its configuration"})";
    return RIVET_TASK_REJECTED;
  }
  std::string roster(std::string_view, const rivet_task*) override {
    return R"({"chainDepth":0,"maxChainDepth":0,"canDelegate":false,)"
           R"("refusal":"rivetd is only checking its configuration","agents":[]})";
  }
  bool taskCredential(std::string_view, const rivet_task*, std::string& out) override {
    out = "rivetd is only checking its configuration";
    return false;
  }

private:
  std::string nodeInfo_;
};

} // namespace rivet::app
