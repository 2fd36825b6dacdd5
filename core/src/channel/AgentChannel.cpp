// Routing and the five endpoints' behaviour; /api/mesh and /api/mesh/join arrive with the
// registry.
#include "channel/AgentChannel.hpp"

#include "channel/InboundTask.hpp"

#include "channel/MessageRequest.hpp"
#include "log/Log.hpp"
#include "log/TaskText.hpp"
#include "util/JsonText.hpp"

#include <atomic>
#include <charconv>
#include <chrono>

namespace rivet::channel {
namespace {

using util::appendJsonString;

ChannelResponse json(int status, std::string body) {
  return {status, std::move(body), 0};
}

std::string messageReply(const std::string& text, const std::string& agent, int64_t ms,
                         rivet_task_status status, const std::string& requestedAgent) {
  std::string body;
  body.reserve(96 + text.size() + agent.size() + requestedAgent.size());
  body = "{\"response\":";
  appendJsonString(body, text);
  body += ",\"agent\":";
  appendJsonString(body, agent);
  char digits[24];
  body += ",\"durationMs\":";
  body.append(digits, std::to_chars(digits, digits + sizeof digits, ms).ptr);
  body += ",\"status\":\"";
  body += delegation::DelegationEngine::statusName(status);
  body += '"';
  if (!requestedAgent.empty()) { // another agent answered than the one asked for
    body += ",\"requestedAgent\":";
    appendJsonString(body, requestedAgent);
  }
  body += '}';
  return body;
}

} // namespace

AgentChannel::AgentChannel(std::string nodeName, const plugin::AgentSet& agents,
                           delegation::DelegationEngine& engine)
    : nodeName_(std::move(nodeName)), agents_(agents), engine_(engine),
      logger_(log::get("AgentChannel")) {}

ChannelResponse AgentChannel::handle(const ChannelRequest& r) const {
  try {
    if (r.method == "GET" && r.path == "/api/mesh/ping")
      return ping(r);
    logger_->debug("Request {} {} from peer.cn={}", r.method, r.path, r.peerCn);
    if (r.method == "POST" && r.path == "/api/message")
      return message(r);
    if (r.method == "GET" && r.path == "/api/agents")
      return agentList();
    if (registry_ && r.method == "GET" && r.path == "/api/mesh") {
      auto a = registry_->nodes();
      return json(a.status, std::move(a.body));
    }
    if (registry_ && r.method == "POST" && r.path == "/api/mesh/join") {
      auto a = registry_->join(r.body, r.peerCn);
      return json(a.status, std::move(a.body));
    }
    return json(404, R"({"error":"Not found"})");
  } catch (const std::exception& e) {
    logger_->error("Agent channel request failed {} {} peer.cn={}: {}", r.method, r.path, r.peerCn,
                   e.what());
    return json(500, R"({"error":"Internal error"})");
  }
}

ChannelResponse AgentChannel::ping(const ChannelRequest& r) const {
  std::string body = R"({"ok":true,"status":"ok","tls":true,"node":)";
  appendJsonString(body, nodeName_);
  body += ",\"cn\":";
  appendJsonString(body, r.peerCn);
  body += R"(,"features":["tasks"]})"; // ours (docs/protocol.md §3.1): the task API is here
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

bool AgentChannel::answerOnLoop(const ChannelRequest& r, const Reply& reply) const {
  // Bodies larger than this are parsed on a thread of their own: a 10 MB parse would stall
  // every connection of the I/O thread.
  constexpr size_t kInlineBody = 64 * 1024;
  if (r.method == "POST" && r.path == "/api/message") {
    if (r.body.size() > kInlineBody)
      return false;
    try {
      auto parsed = parseMessageRequest(r.body);
      if (!parsed.request) {
        reply(json(parsed.status, parsed.error));
        return true;
      }
      const std::string& to = parsed.request->toAgent;
      auto agent = to.empty() ? agents_.defaultAgent() : agents_.find(to);
      if (agent && agent->isInline() && engine_.neverWaits(agent->id())) {
        reply(message(r, std::move(parsed), std::move(agent)));
        return true;
      }
      if (agent || to.empty() || !engine_.forwardsOnLoop())
        return false; // an agent of this node that runs on a worker, or no agent at all
      MessageRequest& m = *parsed.request;
      std::string from(util::utf8Prefix(m.fromAgent, 64));
      logReceived(r.peerCn, from, m);
      const int64_t timeoutMs = m.timeoutMs;
      delegation::TaskRequest task = inboundTask(std::move(m), r, timeoutMs);
      // (false only when the agent was added here meanwhile: a worker runs it, and logs the
      // line above again)
      return engine_.forwardInbound(
          std::move(task), [this, reply, from = std::move(from), peerCn = std::string(r.peerCn)](
                               delegation::Outcome out) { reply(answered(peerCn, from, out)); });
    } catch (const std::exception& e) {
      logger_->error("Agent channel request failed {} {} peer.cn={}: {}", r.method, r.path,
                     r.peerCn, e.what());
      reply(json(500, R"({"error":"Internal error"})"));
      return true;
    }
  }
  if (registry_ && r.path.substr(0, 9) == "/api/mesh" && r.path != "/api/mesh/ping")
    return false; // reads or writes mesh.json on the shared folder
  reply(handle(r));
  return true;
}

ChannelResponse AgentChannel::message(const ChannelRequest& r) const {
  return message(r, parseMessageRequest(r.body));
}

void AgentChannel::logReceived(std::string_view peerCn, std::string_view from,
                               const MessageRequest& m) const {
  if (!logger_->should_log(spdlog::level::info))
    return; // (the debug line below is below info too)
  std::string target = m.toAgent;
  if (target.empty())
    if (auto agent = agents_.defaultAgent())
      target = agent->id();
  // RivetOS's line, exactly: the trace id is on the lines the task logs from here on.
  // fromAgent is any string a sender likes: the log shows its first 64 bytes.
  logger_->info("Received mesh delegation peer.cn={} from {} → {}: {}...", peerCn, from, target,
                util::utf8Prefix(m.message, log::kTaskTextExcerptChars));
  if (log::taskTextLogged())
    logger_->debug("Task text from {} → {}: {}", from, target, m.message);
}

ChannelResponse AgentChannel::answered(std::string_view peerCn, std::string_view from,
                                       const delegation::Outcome& out) const {
  if (out.httpStatus != 0) {
    std::string body = "{\"error\":";
    appendJsonString(body, out.text);
    return {out.httpStatus, body + "}", out.retryAfterSeconds};
  }
  if (out.status != RIVET_TASK_COMPLETED && out.status != RIVET_TASK_REJECTED) {
    logger_->error("Delegation from {} (peer.cn={}) failed: {}", from, peerCn,
                   log::excerpt(out.text));
    if (log::taskTextLogged())
      logger_->debug("Answer to {}: {}", from, out.text);
  }
  return json(200,
              messageReply(out.text, out.agent, out.durationMs, out.status, out.requestedAgent));
}

ChannelResponse AgentChannel::message(const ChannelRequest& r, MessageParse parsed,
                                      std::shared_ptr<plugin::AgentInstance> agent) const {
  if (!parsed.request)
    return json(parsed.status, parsed.error);
  MessageRequest& m = *parsed.request;
  const std::string_view from = util::utf8Prefix(m.fromAgent, 64); // (m keeps fromAgent)
  logReceived(r.peerCn, from, m);
  const int64_t timeoutMs = m.timeoutMs;
  delegation::TaskRequest task = inboundTask(std::move(m), r, timeoutMs);
  task.local = std::move(agent);
  return answered(r.peerCn, from, engine_.handleInbound(std::move(task)));
}

} // namespace rivet::channel
