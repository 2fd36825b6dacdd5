// Routing and the five endpoints' behaviour; /api/mesh and /api/mesh/join arrive with the
// registry.
#include "channel/AgentChannel.hpp"

#include "channel/MessageRequest.hpp"
#include "log/Log.hpp"
#include "util/JsonText.hpp"

#include <atomic>
#include <chrono>

namespace rivet::channel {
namespace {

using util::appendJsonString;

const char* statusName(rivet_task_status s) {
  switch (s) {
  case RIVET_TASK_COMPLETED:
    return "completed";
  case RIVET_TASK_TIMEOUT:
    return "timeout";
  case RIVET_TASK_REJECTED:
    return "rejected";
  default:
    return "failed";
  }
}

ChannelResponse json(int status, std::string body) {
  return {status, std::move(body), 0};
}

std::string joinedIds(const std::vector<std::string>& ids) {
  std::string out;
  for (const auto& id : ids)
    out += (out.empty() ? "" : ", ") + id;
  return out.empty() ? "(none reachable)" : out;
}

std::string messageReply(const std::string& text, const std::string& agent, int64_t ms,
                         rivet_task_status status) {
  std::string body = "{\"response\":";
  appendJsonString(body, text);
  body += ",\"agent\":";
  appendJsonString(body, agent);
  body += ",\"durationMs\":" + std::to_string(ms) + ",\"status\":\"" + statusName(status) + "\"}";
  return body;
}

} // namespace

AgentChannel::AgentChannel(std::string nodeName, const plugin::AgentSet& agents, int maxChainDepth)
    : nodeName_(std::move(nodeName)), agents_(agents), maxChainDepth_(maxChainDepth) {}

ChannelResponse AgentChannel::handle(const ChannelRequest& r) const {
  try {
    if (r.method == "GET" && r.path == "/api/mesh/ping")
      return ping(r);
    auto logger = log::get("AgentChannel");
    logger->debug("Request {} {} from peer.cn={}", r.method, r.path, r.peerCn);
    if (r.method == "POST" && r.path == "/api/message")
      return message(r);
    if (r.method == "GET" && r.path == "/api/agents")
      return agentList();
    return json(404, R"({"error":"Not found"})");
  } catch (const std::exception& e) {
    log::get("AgentChannel")
        ->error("Agent channel request failed {} {} peer.cn={}: {}", r.method, r.path, r.peerCn,
                e.what());
    return json(500, R"({"error":"Internal error"})");
  }
}

ChannelResponse AgentChannel::ping(const ChannelRequest& r) const {
  std::string body = R"({"ok":true,"status":"ok","tls":true,"node":)";
  appendJsonString(body, nodeName_);
  body += ",\"cn\":";
  appendJsonString(body, r.peerCn);
  body += '}';
  return json(200, std::move(body));
}

ChannelResponse AgentChannel::agentList() const {
  std::string body = R"({"agents":[)";
  bool first = true;
  for (const auto& a : agents_.list()) {
    body += first ? "{\"id\":" : ",{\"id\":";
    first = false;
    appendJsonString(body, a->id());
    body += ",\"name\":";
    appendJsonString(body, a->id());
    body += ",\"provider\":";
    appendJsonString(body, a->provider());
    if (!a->model().empty()) {
      body += ",\"model\":";
      appendJsonString(body, a->model());
    }
    body += '}';
  }
  body += "]}";
  return json(200, std::move(body));
}

ChannelResponse AgentChannel::message(const ChannelRequest& r) const {
  auto started = std::chrono::steady_clock::now();
  auto parsed = parseMessageRequest(r.body);
  if (!parsed.request)
    return json(parsed.status, parsed.error);
  const MessageRequest& m = *parsed.request;

  std::shared_ptr<plugin::AgentInstance> agent =
      m.toAgent.empty() ? agents_.defaultAgent() : agents_.find(m.toAgent);
  if (!agent) {
    if (m.toAgent.empty())
      return json(503, R"({"error":"No agents available on this node"})");
    std::string error = "Agent \"" + m.toAgent +
                        "\" not found locally or in the mesh. Agents you can delegate to: " +
                        joinedIds(agents_.ids());
    std::string body = "{\"error\":";
    appendJsonString(body, error);
    return json(404, body + "}");
  }
  auto logger = log::get("AgentChannel");
  logger->info("Received mesh delegation peer.cn={} from {} → {}: {}...", r.peerCn, m.fromAgent,
               agent->id(), util::utf8Prefix(m.message, 100));

  auto elapsed = [&] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                 started)
        .count();
  };
  if (m.chainDepth >= maxChainDepth_) {
    std::string text = "Delegation chain depth limit reached (" + std::to_string(maxChainDepth_) +
                       "). Chain: " + m.fromAgent + " → " + agent->id() + " at depth " +
                       std::to_string(m.chainDepth) +
                       ". Increase maxChainDepth in config if deeper chains are needed.";
    return json(200, messageReply(text, agent->id(), elapsed(), RIVET_TASK_REJECTED));
  }
  plugin::TaskInput in;
  in.fromAgent = m.fromAgent;
  in.message = m.task;
  in.model = m.model;
  in.chainDepth = static_cast<uint32_t>(m.chainDepth);
  in.timeoutMs = m.timeoutMs;
  std::atomic<bool> cancelled{false};
  plugin::TaskOutput out = agent->handle(in, cancelled);
  if (out.status != RIVET_TASK_COMPLETED)
    logger->error("Delegation from {} (peer.cn={}) failed: {}", m.fromAgent, r.peerCn, out.text);
  return json(200, messageReply(out.text, agent->id(), elapsed(), out.status));
}

} // namespace rivet::channel
