// A task that arrived on the agent channel (/api/message or /api/tasks) as the engine takes it:
// the asker's node from the certificate, the trace from a W3C traceparent (a new one without).
#pragma once

#include "channel/AgentChannel.hpp"
#include "channel/MessageRequest.hpp"
#include "delegation/DelegationEngine.hpp"

#include <string>
#include <string_view>

namespace rivet::channel {

// The trace id of a W3C traceparent ("00-<32 hex>-<16 hex>-<2 hex>"), or empty when invalid.
std::string traceIdOf(std::string_view traceparent);

// `timeoutMs` as the endpoint decided it (its default or the body's).
delegation::TaskRequest inboundTask(const MessageRequest& m, const ChannelRequest& r,
                                    int64_t timeoutMs);
// The same, taking m's task text, agent, model, path and caller (fromAgent stays in m).
delegation::TaskRequest inboundTask(MessageRequest&& m, const ChannelRequest& r, int64_t timeoutMs);

} // namespace rivet::channel
