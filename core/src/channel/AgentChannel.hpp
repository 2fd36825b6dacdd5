// The agent channel's endpoints (docs/protocol.md §3), transport-agnostic: method, path, body and
// the caller's certificate CN in; status, headers and JSON body out. No sockets here.
#pragma once

#include "channel/MessageRequest.hpp"
#include "channel/RegistryEndpoints.hpp"
#include "delegation/DelegationEngine.hpp"
#include "plugin/AgentSet.hpp"
#include "rivet/sdk/abi.h"

#include <spdlog/logger.h>

#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace rivet::channel {

struct ChannelRequest {
  std::string_view method;
  std::string_view path;
  std::string_view body;
  std::string_view peerCn;
  std::string_view peerAddress;
  const rivet_header* headers = nullptr; // as the transport gave them (ABI 1.3)
  size_t headerCount = 0;

  // The value of the last header field named `name` (case-insensitive); empty when absent.
  std::string_view header(std::string_view name) const {
    std::string_view found;
    for (size_t i = 0; i < headerCount; ++i) {
      std::string_view n(headers[i].name.data ? headers[i].name.data : "", headers[i].name.len);
      if (n.size() == name.size() &&
          std::equal(n.begin(), n.end(), name.begin(), [](char a, char b) {
            auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? char(c + 32) : c; };
            return lower(a) == lower(b);
          }))
        found = std::string_view(headers[i].value.data ? headers[i].value.data : "",
                                 headers[i].value.len);
    }
    return found;
  }
};

struct ChannelResponse {
  ChannelResponse() = default;
  ChannelResponse(int s, std::string b, int retryAfter = 0, std::string authenticate = "")
      : status(s), body(std::move(b)), retryAfterSeconds(retryAfter),
        wwwAuthenticate(std::move(authenticate)) {}
  int status = 200;
  std::string body;
  int retryAfterSeconds = 0;   // > 0: a Retry-After header
  std::string wwwAuthenticate; // not empty: a WWW-Authenticate header (A2A's 401 answers)
};

class AgentChannel {
public:
  AgentChannel(std::string nodeName, const plugin::AgentSet& agents,
               delegation::DelegationEngine& engine);

  ChannelResponse handle(const ChannelRequest& request) const;
  using Reply = std::function<void(const ChannelResponse&)>;
  // Serves `request` without a thread of its own, on the transport's I/O thread: true when
  // `reply` has run or will run once. At once when the answer is quick and never blocks (ping,
  // agent list, not found, a small task for an inline agent, refusals found by parsing); later,
  // from a transport thread, for a task forwarded to another node (ABI 1.6). False when the
  // request needs a thread (other agents, the registry's files, no asynchronous transport).
  bool answerOnLoop(const ChannelRequest& request, const Reply& reply) const;
  // Serves /api/mesh and /api/mesh/join from `registry` (absent: those paths are 404).
  void setRegistry(RegistryEndpoints* registry) { registry_ = registry; }

private:
  ChannelResponse ping(const ChannelRequest& request) const;
  ChannelResponse message(const ChannelRequest& request) const;
  // `agent`: this node's agent the request names, when the caller found it already.
  ChannelResponse message(const ChannelRequest& request, MessageParse parsed,
                          std::shared_ptr<plugin::AgentInstance> agent = nullptr) const;
  void logReceived(std::string_view peerCn, std::string_view from, const MessageRequest& m) const;
  ChannelResponse answered(std::string_view peerCn, std::string_view from,
                           const delegation::Outcome& out) const;
  ChannelResponse agentList() const;

  std::string nodeName_;
  const plugin::AgentSet& agents_;
  delegation::DelegationEngine& engine_;
  RegistryEndpoints* registry_ = nullptr;
  std::shared_ptr<spdlog::logger> logger_; // looked up once: log::get() takes a lock
};

} // namespace rivet::channel
