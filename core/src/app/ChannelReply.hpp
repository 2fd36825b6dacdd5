// Writes a ChannelResponse through a transport's respond callback (abi.h), with Retry-After and
// WWW-Authenticate when the response asks for them.
#pragma once

#include "channel/AgentChannel.hpp"

#include "rivet/sdk/abi.h"

#include <string>

namespace rivet::app {

using RespondFn = void (*)(void*, int, const rivet_header*, size_t, rivet_str);

inline void respondWith(void* ctx, RespondFn respond, const channel::ChannelResponse& out) {
  rivet_header headers[2];
  size_t count = 0;
  std::string seconds;
  if (out.retryAfterSeconds > 0) {
    seconds = std::to_string(out.retryAfterSeconds);
    headers[count++] = {{"Retry-After", 11}, {seconds.data(), seconds.size()}};
  }
  if (!out.wwwAuthenticate.empty())
    headers[count++] = {{"WWW-Authenticate", 16},
                        {out.wwwAuthenticate.data(), out.wwwAuthenticate.size()}};
  respond(ctx, out.status, count ? headers : nullptr, count, {out.body.data(), out.body.size()});
}

} // namespace rivet::app
