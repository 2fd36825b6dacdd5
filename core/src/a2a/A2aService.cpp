// Routing, authentication and the JSON-RPC methods of A2A (see A2aService.hpp).
#include "a2a/A2aService.hpp"

namespace rivet::a2a {

A2aService::A2aService(const config::Config& config, tasks::TaskService& service)
    : config_(config), service_(service) {}

void A2aService::serve(const channel::ChannelRequest&, tasks::TaskReply& reply) {
  reply.respond({404, R"({"error":"Not found"})", 0});
}

} // namespace rivet::a2a
