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

// exchange() on the transport's loop: `done` runs there later with the answer, or now, with
// RIVET_NET_NOT_DELIVERED, when the transport did not take the request (it is stopping).
void exchangeAsync(const AsyncPeerCaller& caller, const RemoteNode& node,
                   const std::string& address, std::string_view method, std::string_view path,
                   std::string_view body, int64_t timeoutMs, const TaskRequest& r,
                   std::function<void(PeerAnswer)> done);

// At most 500 bytes of a peer's answer body, for a result text or a log line.
std::string bodyExcerpt(std::string_view body);

// The /api/message body for `r` (RivetOS's fields, toAgent and our path extension).
std::string messageBody(const TaskRequest& r);

// `r.chainDepth` is sent as it is: the caller has already counted the hop.
// `address` is where to connect (the registry's host, or <name>.mesh); the certificate must be
// valid for <node.name>.mesh either way.
RemoteResult callRemote(const PeerCaller& caller, const RemoteNode& node,
                        const std::string& address, const TaskRequest& r, int64_t graceMs);

// callRemote() on the transport's loop; `done` as exchangeAsync's.
void callRemoteAsync(const AsyncPeerCaller& caller, const RemoteNode& node,
                     const std::string& address, const TaskRequest& r, int64_t graceMs,
                     std::function<void(RemoteResult)> done);

// After a call to node.host: whether <name>.mesh is tried too (nothing was delivered and the
// node itself did not refuse; RivetOS nodes write their HOSTNAME as host and are reached as
// <name>.mesh).
bool tryByName(const RemoteNode& node, const RemoteResult& first);
// The second address's result, with the first one's reason when neither was reached.
RemoteResult secondAddress(const RemoteResult& first, RemoteResult second);

// The result object of a task answer ({"response","status","agent"}) as a RemoteResult that
// reached the agent; text "[no response from remote agent]" when it has none.
RemoteResult answerFrom(std::string_view json);

} // namespace rivet::delegation
