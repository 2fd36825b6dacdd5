// What the node offers plugins through the host API. The node implements it; HostContext
// adapts it to the C table of abi.h.
#pragma once

#include "plugin/HostGate.hpp"
#include "rivet/sdk/abi.h"

#include <memory>

#include <string>
#include <string_view>

namespace rivet::plugin {

class HostServices {
public:
  virtual ~HostServices() = default;
  // Every host call from a plugin that reaches these services passes this gate; the node closes
  // it before it is destroyed.
  const std::shared_ptr<HostGate>& gate() const { return gate_; }

  virtual std::string nodeInfoJson() const = 0;
  virtual rivet_net_result request(const rivet_peer_request& request,
                                   rivet_peer_response& response) = 0;
  virtual void peersSeen(std::string_view peersJson) = 0;
  virtual void peerLost(std::string_view name) = 0;
  virtual void dispatch(const rivet_inbound_request& request, rivet_responder& responder) = 0;
  // ABI 1.2: answers through `responder` once, now or later from any thread (abi.h); must not
  // throw. `request` stays valid until the answer. The default answers at once via dispatch().
  virtual void dispatchAsync(const rivet_inbound_request& request,
                             const rivet_async_responder& responder) {
    rivet_responder sync{const_cast<rivet_async_responder*>(&responder),
                         [](void* ctx, int status, const rivet_header* h, size_t n, rivet_str b) {
                           auto* r = static_cast<rivet_async_responder*>(ctx);
                           r->respond(r->ctx, status, h, n, b);
                         }};
    dispatch(request, sync);
  }
  // Agents. `caller` is the calling agent's id; `current` the task it passed (may be null).
  virtual rivet_task_status delegate(std::string_view caller, const rivet_task* current,
                                     std::string_view requestJson, std::string& resultJson) = 0;
  virtual std::string roster(std::string_view caller, const rivet_task* current) = 0;
  // true and {"socket","token"}, or false and the reason.
  virtual bool taskCredential(std::string_view caller, const rivet_task* current,
                              std::string& out) = 0;
  // ABI 1.3: progress of `current` (abi.h progress). false: not a running task, unknown kind.
  virtual bool progress(std::string_view /*caller*/, const rivet_task* /*current*/,
                        std::string_view /*kind*/, std::string_view /*text*/) {
    return false;
  }

private:
  std::shared_ptr<HostGate> gate_ = std::make_shared<HostGate>();
};

} // namespace rivet::plugin
