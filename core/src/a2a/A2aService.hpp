// A2A over the node's task layer (docs/a2a.md): each agent the node can reach is an A2A agent
// with its own base URL /a2a/<agent>/, its Agent Card under it, and JSON-RPC methods mapped one
// to one onto the task API. Requests come from the A2A listener only (ABI 1.5).
#pragma once

#include "channel/AgentChannel.hpp"
#include "config/Config.hpp"
#include "tasks/TaskEndpoints.hpp"
#include "tasks/TaskService.hpp"

namespace rivet::a2a {

class A2aService {
public:
  A2aService(const config::Config& config, tasks::TaskService& service);

  // Answers one request from the A2A listener through `reply` (exactly once).
  void serve(const channel::ChannelRequest& request, tasks::TaskReply& reply);

private:
  const config::Config& config_;
  tasks::TaskService& service_;
};

} // namespace rivet::a2a
