// Where the host answers one inbound request (abi.h rivet_async_responder): the answer is
// formatted on the host's thread and posted to the connection's loop, which writes it. A
// connection that closed meanwhile drops it.
#pragma once

#include "rivet/sdk/abi.h"

#include <memory>

namespace rivet::mtls {

class ServerConnection;

// Hands `request` to the host through dispatch_async (or, for a host older than ABI 1.2,
// dispatch() on the calling thread). `request` stays valid until the host answered.
void dispatchToHost(const rivet_host_api* host, const std::shared_ptr<ServerConnection>& conn,
                    const rivet_inbound_request& request, bool keepAlive, bool headOnly);

} // namespace rivet::mtls
