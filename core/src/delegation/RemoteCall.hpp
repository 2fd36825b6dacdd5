// One delegation to one remote node: RivetOS's request body (plus toAgent) over the transport,
// and the answer mapped to a result, including whether another node may be tried.
#pragma once

#include "delegation/DelegationEngine.hpp"

namespace rivet::delegation {

struct RemoteResult {
  bool reachedAgent = false; // the remote node answered for its agent (any task status)
  bool mayFailOver = false;  // the task certainly did not run there
  rivet_task_status status = RIVET_TASK_FAILED;
  std::string text;
  std::string answeredBy; // the `agent` the peer's answer names (RivetOS: its first agent)
};

// `r.chainDepth` is sent as it is: the caller has already counted the hop.
// `address` is where to connect (the registry's host, or <name>.mesh); the certificate must be
// valid for <node.name>.mesh either way.
RemoteResult callRemote(const PeerCaller& caller, const RemoteNode& node,
                        const std::string& address, const TaskRequest& r, int64_t graceMs);

} // namespace rivet::delegation
