// Writes a ChannelResponse through a transport's respond callback (abi.h), with Retry-After when
// the response asks for it.
#pragma once

#include "channel/AgentChannel.hpp"

#include "rivet/sdk/abi.h"

#include <string>

namespace rivet::app {

using RespondFn = void (*)(void*, int, const rivet_header*, size_t, rivet_str);

inline void respondWith(void* ctx, RespondFn respond, const channel::ChannelResponse& out) {
  if (out.retryAfterSeconds > 0) {
    std::string seconds = std::to_string(out.retryAfterSeconds);
    rivet_header h{{"Retry-After", 11}, {seconds.data(), seconds.size()}};
    respond(ctx, out.status, &h, 1, {out.body.data(), out.body.size()});
    return;
  }
  respond(ctx, out.status, nullptr, 0, {out.body.data(), out.body.size()});
}

} // namespace rivet::app
