// A2A over the node's task layer (docs/a2a.md): each agent the node can reach is an A2A agent
// with its own base URL /a2a/<agent>/, its Agent Card under it, and the JSON-RPC methods of
// A2A 1.0 mapped one to one onto the task API. Requests come from the A2A listener only
// (ABI 1.5). Callers authenticate with a mesh client certificate or a bearer token.
#pragma once

#include "a2a/A2aRequest.hpp"
#include "a2a/A2aTokens.hpp"
#include "channel/AgentChannel.hpp"
#include "config/Config.hpp"
#include "policy/CallerPattern.hpp"
#include "tasks/TaskEndpoints.hpp"
#include "tasks/TaskService.hpp"

#include <spdlog/logger.h>

#include <memory>
#include <optional>
#include <string>

namespace rivet::a2a {

class A2aService {
public:
  // Reads a2a.tokens_file; throws std::runtime_error naming it when it cannot be used.
  A2aService(const config::Config& config, tasks::TaskService& service);

  // Answers one request from the A2A listener through `reply`, exactly once, now or (a
  // blocking SendMessage) when its task ends.
  void serve(const channel::ChannelRequest& request,
             const std::shared_ptr<tasks::TaskReply>& reply);
  // SIGHUP: re-reads a2a.tokens_file (a file that does not read keeps the tokens in force).
  void reloadTokens();

private:
  // Who asks: a mesh certificate, a bearer token, or nobody (`refusal` says why).
  struct Client {
    std::string caller; // "cn:<CN>" or "token:<name>"; "" unauthenticated
    policy::Caller who; // as the policy sees it
    std::optional<TokenEntry> token;
    bool badToken = false; // a token was sent and is not in the file
  };
  struct Call {
    const channel::ChannelRequest& request;
    const std::shared_ptr<tasks::TaskReply>& reply;
    const Client& client;
    const std::string& agent;
    const RpcCall& rpc;
  };

  Client authenticate(const channel::ChannelRequest& r) const;
  // The 401 or 403 for a client that may not reach `agent` ("" : any agent), if any.
  std::optional<channel::ChannelResponse> refusal(const Client& c, const std::string& agent,
                                                  const std::string& idJson) const;
  channel::ChannelResponse card(const Client& c, const std::string& agent);
  channel::ChannelResponse index(const Client& c);
  void rpc(const channel::ChannelRequest& r, const std::shared_ptr<tasks::TaskReply>& reply,
           const Client& c, const std::string& agent);

  void send(const Call& call, bool streaming);
  void stream(const Call& call, const tasks::TaskRecord& task, int64_t historyLength);
  void wait(const Call& call, const tasks::TaskRecord& task, int64_t historyLength);
  channel::ChannelResponse getTask(const Call& call);
  channel::ChannelResponse cancelTask(const Call& call);
  void subscribe(const Call& call);
  channel::ChannelResponse listTasks(const Call& call);
  // The caller's task of `call.agent` named by params.id, or the error to answer.
  std::optional<tasks::TaskRecord> ownTask(const Call& call, channel::ChannelResponse& error);

  const config::Config& config_;
  tasks::TaskService& service_;
  TokenTable tokens_;
  std::shared_ptr<spdlog::logger> logger_;
};

} // namespace rivet::a2a
