// rivetctl's way to talk to nodes: the node's own transport plugin, loaded in client-only mode
// with the node's certificate, so rivetctl verifies peers exactly as rivetd does.
#pragma once

#include "config/Config.hpp"
#include "plugin/HostServices.hpp"
#include "plugin/PluginInstance.hpp"

#include <memory>
#include <string>

namespace rivet::ctl {

struct PeerAnswer {
  rivet_net_result result = RIVET_NET_UNAVAILABLE;
  int status = 0;
  std::string body;
  std::string error;
};

class TransportClient : public plugin::HostServices {
public:
  // Loads `transport-<mesh.transport>` from plugins.dir; throws std::runtime_error with the
  // loader's or the plugin's message.
  explicit TransportClient(const config::Config& config);
  ~TransportClient() override;

  PeerAnswer call(const std::string& host, int port, const std::string& verifyName,
                  const std::string& method, const std::string& path, const std::string& body,
                  int64_t timeoutMs);

  // HostServices (a client needs only node_info)
  std::string nodeInfoJson() const override { return nodeInfo_; }
  rivet_net_result request(const rivet_peer_request&, rivet_peer_response&) override {
    return RIVET_NET_UNAVAILABLE;
  }
  void peersSeen(std::string_view) override {}
  void peerLost(std::string_view) override {}
  void dispatch(const rivet_inbound_request&, rivet_responder& responder) override;
  rivet_task_status delegate(std::string_view, const rivet_task*, std::string_view,
                             std::string& result) override;
  std::string roster(std::string_view, const rivet_task*) override;
  bool taskCredential(std::string_view, const rivet_task*, std::string& out) override;

private:
  std::string nodeInfo_;
  std::unique_ptr<plugin::PluginInstance> transport_;
};

} // namespace rivet::ctl
