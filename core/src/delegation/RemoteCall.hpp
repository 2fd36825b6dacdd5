// One delegation to one remote node: RivetOS's request body (plus toAgent) over the transport,
// and the answer mapped to a result, including whether another node may be tried.
#pragma once

#include "delegation/DelegationEngine.hpp"

namespace rivet::delegation {

struct RemoteResult {
  bool reachedAgent = false; // the remote node answered for its agent (any task status)
  bool mayFailOver = false;  // the task certainly did not run there
  bool noTaskApi = false;    // the node answered 404 to POST /api/tasks (a RivetOS node)
  // Refused before running by the node's policy (403) or admission (429): no failure of the
  // node, for its circuit breaker.
  bool policyRefused = false;
  bool admissionRefused = false;
  rivet_task_status status = RIVET_TASK_FAILED;
  std::string text;
  std::string answeredBy; // the `agent` the peer's answer names (RivetOS: its first agent)
};

// One HTTP exchange with a peer through the transport.
struct PeerAnswer {
  rivet_net_result net = RIVET_NET_UNAVAILABLE;
  int status = 0;
  std::string body;
  std::string error; // why, when net is not RIVET_NET_OK
};

// `address` is where to connect; the certificate must be valid for <node.name>.mesh. When
// `r` has a trace id, a W3C traceparent with a new span id goes with the request.
PeerAnswer exchange(const PeerCaller& caller, const RemoteNode& node, const std::string& address,
                    std::string_view method, std::string_view path, std::string_view body,
                    int64_t timeoutMs, const TaskRequest& r);

// At most 500 bytes of a peer's answer body, for a result text or a log line.
std::string bodyExcerpt(std::string_view body);

// The /api/message body for `r` (RivetOS's fields, toAgent and our path extension).
std::string messageBody(const TaskRequest& r);

// `r.chainDepth` is sent as it is: the caller has already counted the hop.
// `address` is where to connect (the registry's host, or <name>.mesh); the certificate must be
// valid for <node.name>.mesh either way.
RemoteResult callRemote(const PeerCaller& caller, const RemoteNode& node,
                        const std::string& address, const TaskRequest& r, int64_t graceMs);

// The result object of a task answer ({"response","status","agent"}) as a RemoteResult that
// reached the agent; text "[no response from remote agent]" when it has none.
RemoteResult answerFrom(std::string_view json);

} // namespace rivet::delegation
