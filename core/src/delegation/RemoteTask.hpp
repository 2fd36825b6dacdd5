// A delegation to another rivet-mesh node through its task API (docs/protocol.md "Tasks"):
// submitted with an idempotency key (so the one retry after a lost answer cannot run it twice),
// then watched until it ends. The delegating task's cancellation and deadline cancel it there,
// and its events (progress, its own delegations) reach the delegating task's observer.
#pragma once

#include "delegation/RemoteCall.hpp"

#include <spdlog/logger.h>

namespace rivet::delegation {

// `r.parent` must be set; `key` is the idempotency key, the same for every address of the node.
// A 404 to the submit sets noTaskApi (and mayFailOver): the node does not have the API after
// all, and /api/message may be tried. Once a submit may have been delivered, nothing says
// mayFailOver: the task may be running there.
RemoteResult runRemoteTask(const PeerCaller& caller, const RemoteNode& node,
                           const std::string& address, const TaskRequest& r, int64_t graceMs,
                           const std::string& key, spdlog::logger& log);

} // namespace rivet::delegation
