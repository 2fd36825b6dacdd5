// Routing, authentication and the A2A methods (see A2aService.hpp).
#include "a2a/A2aService.hpp"

#include "a2a/A2aCard.hpp"
#include "a2a/A2aJson.hpp"
#include "a2a/A2aStream.hpp"
#include "channel/InboundTask.hpp"
#include "log/Log.hpp"
#include "tasks/TaskStore.hpp"
#include "util/JsonText.hpp"
#include "util/RandomHex.hpp"

#include <algorithm>
#include <charconv>

namespace rivet::a2a {
namespace {

using channel::ChannelResponse;
constexpr std::string_view kBase = "/a2a/";
constexpr std::string_view kCardPath = "/.well-known/agent-card.json";
constexpr size_t kMaxAgentId = 128;
constexpr const char* kFromAgent = "a2a"; // who asks, as the agent and a forwarded task see it
constexpr int64_t kDefaultPage = 50, kMaxPage = 100;
constexpr size_t kListed = 1000;        // ListTasks: the newest tasks of a caller it pages
constexpr size_t kPageBytes = 4u << 20; // ListTasks: a page stops growing past this

ChannelResponse plain(int status, std::string_view error) {
  return {status, "{\"error\":" + util::jsonString(error) + "}", 0, ""};
}

ChannelResponse fault(int status, const std::string& idJson, int code, std::string_view message,
                      std::string_view reason, int retryAfter = 0) {
  return {status, rpcError(idJson, code, message, reason), retryAfter, ""};
}

ChannelResponse fault(const RpcFault& f, const std::string& idJson) {
  return fault(200, idJson, f.code, f.message, f.reason);
}

ChannelResponse result(const std::string& idJson, const std::string& json) {
  return {200, rpcResult(idJson, json), 0, ""};
}

bool validAgentId(std::string_view id) {
  return !id.empty() && id.size() <= kMaxAgentId && id[0] != '.' &&
         std::all_of(id.begin(), id.end(), [](char c) {
           return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '_' || c == '.' || c == '-';
         });
}

size_t fieldCount(const channel::ChannelRequest& r, std::string_view name) {
  size_t n = 0;
  for (size_t i = 0; i < r.headerCount; ++i) {
    std::string_view h(r.headers[i].name.data ? r.headers[i].name.data : "", r.headers[i].name.len);
    n +=
        h.size() == name.size() && std::equal(h.begin(), h.end(), name.begin(), [](char a, char b) {
          return (a >= 'A' && a <= 'Z' ? char(a + 32) : a) ==
                 (b >= 'A' && b <= 'Z' ? char(b + 32) : b);
        });
  }
  return n;
}

// application/json, with parameters or not (any case).
bool jsonContentType(std::string_view type) {
  std::string_view media = type.substr(0, type.find(';'));
  while (!media.empty() && media.back() == ' ')
    media.remove_suffix(1);
  constexpr std::string_view kJson = "application/json";
  return media.size() == kJson.size() &&
         std::equal(media.begin(), media.end(), kJson.begin(),
                    [](char a, char b) { return (a >= 'A' && a <= 'Z' ? char(a + 32) : a) == b; });
}

bool startsWith(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && s.substr(0, prefix.size()) == prefix;
}

// "Bearer <token>" (the scheme without regard to case), else "".
std::string_view bearerToken(std::string_view authorization) {
  constexpr std::string_view kScheme = "bearer ";
  if (authorization.size() <= kScheme.size())
    return {};
  for (size_t i = 0; i < kScheme.size(); ++i) {
    char c = authorization[i];
    if ((c >= 'A' && c <= 'Z' ? char(c + 32) : c) != kScheme[i])
      return {};
  }
  std::string_view token = authorization.substr(kScheme.size());
  while (!token.empty() && token.front() == ' ')
    token.remove_prefix(1);
  return token;
}

// "TASK_STATE_WORKING" to "working"; "" when it is not one of the task layer's states.
std::string stateOf(std::string_view a2aState) {
  if (!startsWith(a2aState, "TASK_STATE_"))
    return "";
  std::string out;
  for (char c : a2aState.substr(11))
    out += c == '_' ? '-' : (c >= 'A' && c <= 'Z' ? char(c + 32) : c);
  return tasks::TaskStore::isState(out) ? out : "";
}

bool isTerminal(const tasks::TaskRecord& t) {
  return tasks::TaskStore::isTerminal(t.state);
}

} // namespace

A2aService::A2aService(const config::Config& config, tasks::TaskService& service)
    : config_(config), service_(service), tokens_(config.a2a.tokensFile), logger_(log::get("A2A")) {
  logger_->info("A2A: agents at {}/a2a/<agent>/ ({}; cards {})", config.a2a.publicUrl,
                tokens_.empty() ? "mesh client certificates only"
                                : "mesh client certificates or " + std::to_string(tokens_.size()) +
                                      " bearer tokens",
                config.a2a.publicCards ? "public" : "for authenticated callers only");
}

void A2aService::reloadTokens() {
  std::string error;
  if (!tokens_.reload(error))
    logger_->error("SIGHUP: the A2A bearer tokens stay as they were: {}", error);
  else if (!config_.a2a.tokensFile.empty())
    logger_->info("SIGHUP: A2A bearer tokens reloaded: {} tokens", tokens_.size());
}

A2aService::Client A2aService::authenticate(const channel::ChannelRequest& r) const {
  Client c;
  if (!r.peerCn.empty()) { // a mesh certificate, checked by the transport
    channel::MessageRequest none;
    delegation::TaskRequest asker = channel::inboundTask(none, r, 0);
    c.caller = "cn:" + std::string(r.peerCn);
    c.who = policy::Caller{asker.fromNode, asker.fromAgent};
    return c;
  }
  std::string_view token = bearerToken(r.header("Authorization"));
  if (token.empty())
    return c;
  c.token = tokens_.find(token);
  if (!c.token) {
    c.badToken = true;
    return c;
  }
  c.caller = "token:" + c.token->name;
  c.who = policy::Caller{c.caller, ""};
  return c;
}

std::optional<ChannelResponse> A2aService::refusal(const Client& c, const std::string& agent,
                                                   const std::string& idJson) const {
  const std::string realm = "Bearer realm=\"rivet-mesh A2A on " + config_.mesh.nodeName + "\"";
  if (c.caller.empty()) {
    ChannelResponse out = fault(
        401, idJson, kRefused,
        c.badToken ? "The bearer token is not one of this node's (a2a.tokens_file): ask the "
                     "node's operator for a token"
                   : "Authentication required: present a client certificate issued by the mesh "
                     "CA, or an Authorization: Bearer token from the node's operator",
        "UNAUTHENTICATED");
    out.wwwAuthenticate = c.badToken ? realm + ", error=\"invalid_token\"" : realm;
    return out;
  }
  if (c.token && !agent.empty() && !c.token->reaches(agent))
    return fault(403, idJson, kRefused,
                 "The token " + c.token->name + " may not reach agent " + agent +
                     " (a2a.tokens_file lists the agents of each token)",
                 "PERMISSION_DENIED");
  return std::nullopt;
}

void A2aService::serve(const channel::ChannelRequest& r,
                       const std::shared_ptr<tasks::TaskReply>& reply) {
  std::string_view path = r.path.substr(0, r.path.find('?'));
  if (fieldCount(r, "Authorization") > 1) // which one counts is the attacker's pick: neither
    return reply->respond(plain(400, "A request may carry one Authorization field"));
  const Client client = authenticate(r);
  try {
    if (path == "/a2a" || path == kBase) {
      if (r.method != "GET")
        return reply->respond(plain(405, "Use GET /a2a/ to list the agents"));
      return reply->respond(index(client));
    }
    if (!startsWith(path, kBase))
      return reply->respond(plain(404, "Not found: A2A agents are at /a2a/<agent>/, their cards "
                                       "at /a2a/<agent>/.well-known/agent-card.json, and GET "
                                       "/a2a/ lists them"));
    std::string_view rest = path.substr(kBase.size());
    std::string_view id = rest.substr(0, rest.find('/'));
    std::string_view sub = rest.substr(id.size());
    if (!validAgentId(id))
      return reply->respond(plain(404, "Not found: an agent id is 1 to 128 letters, digits, '_', "
                                       "'.' or '-'"));
    const std::string agent(id);
    if (sub == kCardPath) {
      if (r.method != "GET")
        return reply->respond(plain(405, "Use GET for an Agent Card"));
      return reply->respond(card(client, agent));
    }
    if (sub.empty() || sub == "/") {
      if (r.method != "POST")
        return reply->respond(plain(405, "Send A2A JSON-RPC requests with POST to " +
                                             agentBaseUrl(config_.a2a, agent)));
      return rpc(r, reply, client, agent);
    }
    return reply->respond(plain(404, "Not found: " + agentBaseUrl(config_.a2a, agent) +
                                         " takes JSON-RPC requests, its card is at " +
                                         agentBaseUrl(config_.a2a, agent) +
                                         ".well-known/agent-card.json"));
  } catch (const std::exception& e) { // the journal failed
    logger_->error("A2A request {} {} failed: {}", r.method, util::utf8Bytes(path, 200), e.what());
    return reply->respond(
        fault(500, "null", kInternalError, std::string("Internal error: ") + e.what(), "INTERNAL"));
  }
}

ChannelResponse A2aService::index(const Client& c) {
  if (!config_.a2a.publicCards)
    if (auto refused = refusal(c, "", "null"))
      return *refused;
  auto agents = service_.engine().reachable(c.caller.empty() ? nullptr : &c.who);
  if (c.token)
    agents.erase(std::remove_if(agents.begin(), agents.end(),
                                [&](const auto& a) { return !c.token->reaches(a.id); }),
                 agents.end());
  return {200, agentIndexJson(config_.a2a, agents), 0, ""};
}

ChannelResponse A2aService::card(const Client& c, const std::string& agent) {
  const bool open = config_.a2a.publicCards;
  if (!open)
    if (auto refused = refusal(c, agent, "null"))
      return *refused;
  for (const auto& a : service_.engine().reachable(open ? nullptr : &c.who))
    if (a.id == agent)
      return {200, agentCardJson(config_.a2a, a, !tokens_.empty()), 0, ""};
  return plain(404, "No agent " + agent + " is reachable from node " + config_.mesh.nodeName +
                        (open ? "" : " for " + c.who.text()) + ": GET /a2a/ lists the agents");
}

void A2aService::rpc(const channel::ChannelRequest& r,
                     const std::shared_ptr<tasks::TaskReply>& reply, const Client& client,
                     const std::string& agent) {
  if (auto refused = refusal(client, agent, "null"))
    return reply->respond(*refused);
  // Only JSON: a web page cannot send it across sites without a CORS preflight, so a browser
  // holding a mesh certificate cannot be made to run tasks (forms and text/plain can be sent).
  if (!jsonContentType(r.header("Content-Type")))
    return reply->respond(fault(415, "null", kContentTypeNotSupported,
                                "A2A requests are JSON-RPC: send Content-Type: application/json",
                                "CONTENT_TYPE_NOT_SUPPORTED"));
  RpcFault f;
  auto call = parseCall(r.body, f);
  if (!call)
    return reply->respond(fault(f, f.idJson));
  std::string_view version = r.header("A2A-Version");
  if (startsWith(call->method, "message/") || startsWith(call->method, "tasks/") ||
      startsWith(call->method, "agent/") ||
      (!version.empty() && version != "1.0" && version != "1"))
    return reply->respond(fault(200, call->idJson, kVersionNotSupported,
                                "This node speaks A2A 1.0 (SendMessage, SendStreamingMessage, "
                                "GetTask, CancelTask, SubscribeToTask, ListTasks); send "
                                "A2A-Version: 1.0",
                                "VERSION_NOT_SUPPORTED"));
  const Call c{r, reply, client, agent, *call};
  const std::string& m = call->method;
  if (m == "SendMessage")
    return send(c, false);
  if (m == "SendStreamingMessage")
    return send(c, true);
  if (m == "GetTask")
    return reply->respond(getTask(c));
  if (m == "CancelTask")
    return reply->respond(cancelTask(c));
  if (m == "SubscribeToTask")
    return subscribe(c);
  if (m == "ListTasks")
    return reply->respond(listTasks(c));
  if (m.find("PushNotificationConfig") != std::string::npos)
    return reply->respond(fault(200, call->idJson, kPushNotSupported,
                                "Push notifications are not supported: stream the task "
                                "(SendStreamingMessage, SubscribeToTask) or poll GetTask",
                                "PUSH_NOTIFICATION_NOT_SUPPORTED"));
  if (m == "GetExtendedAgentCard")
    return reply->respond(fault(200, call->idJson, kExtendedCardNotConfigured,
                                "This agent has no extended Agent Card",
                                "EXTENDED_AGENT_CARD_NOT_CONFIGURED"));
  return reply->respond(fault(200, call->idJson, kMethodNotFound,
                              "No method " + std::string(util::utf8Bytes(m, 128)) + " in A2A 1.0",
                              "METHOD_NOT_FOUND"));
}

void A2aService::send(const Call& c, bool streaming) {
  const std::string& id = c.rpc.idJson;
  RpcFault f;
  std::string continues;
  auto p = parseSend(c.rpc.params, f, continues);
  if (!p)
    return c.reply->respond(fault(f, id));
  if (!continues.empty()) {
    auto t = service_.find(continues, c.client.caller);
    if (!t || t->agent != c.agent)
      return c.reply->respond(fault(
          200, id, kTaskNotFound,
          "No task " + continues + " of agent " + c.agent + " for this caller", "TASK_NOT_FOUND"));
    return c.reply->respond(fault(200, id, kUnsupportedOperation,
                                  "A task takes one message: a second turn (taskId) is not "
                                  "supported; send a new message without taskId",
                                  "UNSUPPORTED_OPERATION"));
  }
  auto known = service_.engine().reachable(nullptr);
  if (std::none_of(known.begin(), known.end(), [&](const auto& a) { return a.id == c.agent; }))
    return c.reply->respond(fault(404, id, kRefused,
                                  "No agent " + c.agent + " is reachable from node " +
                                      config_.mesh.nodeName + ": GET /a2a/ lists the agents",
                                  "AGENT_NOT_FOUND"));
  const std::string contextId =
      p->contextId.empty() ? util::randomHex128("an A2A context id") : p->contextId;
  std::string body = std::string(kRequestPrefix) + util::jsonString(contextId) +
                     ",\"message\":" + p->messageJson +
                     "},\"toAgent\":" + util::jsonString(c.agent) +
                     ",\"message\":" + util::jsonString(p->text) + "}";
  channel::MessageRequest m;
  m.toAgent = c.agent;
  m.message = m.task = p->text;
  const int64_t timeoutMs = config_.tasks.defaultTimeoutMs;
  tasks::Submit s;
  s.caller = c.client.caller;
  s.idempotencyKey = "a2a:" + p->messageId;
  s.requestJson = std::move(body);
  s.request = channel::inboundTask(m, c.request, timeoutMs);
  if (c.client.token) // a client outside the mesh: the token is who asks
    s.request.peerCn = s.request.fromNode = c.client.caller;
  if (c.client.token || s.request.fromAgent.empty())
    s.request.fromAgent = kFromAgent; // unless an agent certificate names the agent

  s.traceId = s.request.traceId;
  tasks::SubmitResult out = service_.submit(std::move(s));
  if (!out.task) {
    const char* reason = out.status == 403   ? "PERMISSION_DENIED"
                         : out.status == 429 ? "RESOURCE_EXHAUSTED"
                                             : "UNAVAILABLE";
    return c.reply->respond(
        fault(out.status, id, kRefused, out.error, reason, out.retryAfterSeconds));
  }
  if (out.task->agent != c.agent)
    return c.reply->respond(fault(200, id, kInvalidParams,
                                  "messageId " + p->messageId + " was sent before, to agent " +
                                      out.task->agent + ": give each message a new messageId",
                                  "INVALID_PARAMS"));
  if (streaming)
    return stream(c, *out.task, p->historyLength);
  if (p->returnImmediately || isTerminal(*out.task))
    return c.reply->respond(result(id, "{\"task\":" + taskJson(*out.task, p->historyLength) + "}"));
  wait(c, *out.task, p->historyLength);
}

void A2aService::stream(const Call& c, const tasks::TaskRecord& task, int64_t historyLength) {
  const std::string context = contextOf(task);
  auto answer = [&service = service_, id = task.id, caller = c.client.caller] {
    auto t = service.find(id, caller);
    return t ? resultText(t->resultJson) : std::string();
  };
  auto events = std::make_shared<EventAdapter>(c.reply->beginEvents(), c.rpc.idJson, task.id,
                                               context.empty() ? task.id : context, answer);
  if (!events->first(taskJson(task, historyLength)) ||
      !service_.attach(task.id, c.client.caller, 0, events))
    events->end();
}

void A2aService::wait(const Call& c, const tasks::TaskRecord& task, int64_t historyLength) {
  auto answer = [&service = service_, id = task.id, caller = c.client.caller, idJson = c.rpc.idJson,
                 historyLength] {
    auto t = service.find(id, caller);
    return t ? rpcResult(idJson, "{\"task\":" + taskJson(*t, historyLength) + "}")
             : rpcError(idJson, kTaskNotFound, "Task " + id + " was pruned meanwhile",
                        "TASK_NOT_FOUND");
  };
  // Begun at once: the transport lets the request go, and a client that leaves is noticed.
  auto waiter = std::make_shared<TaskWaiter>(c.reply->beginJson(), answer);
  if (!service_.attach(task.id, c.client.caller, 0, waiter))
    waiter->end();
}

std::optional<tasks::TaskRecord> A2aService::ownTask(const Call& c, ChannelResponse& error) {
  RpcFault f;
  auto id = taskIdParam(c.rpc.params, f);
  if (!id) {
    error = fault(f, c.rpc.idJson);
    return std::nullopt;
  }
  auto t = service_.find(*id, c.client.caller);
  if (!t || t->agent != c.agent) {
    error = fault(200, c.rpc.idJson, kTaskNotFound,
                  "No task " + *id + " of agent " + c.agent +
                      " for this caller: it does not exist, was pruned, or another caller sent it",
                  "TASK_NOT_FOUND");
    return std::nullopt;
  }
  return t;
}

ChannelResponse A2aService::getTask(const Call& c) {
  ChannelResponse error;
  auto t = ownTask(c, error);
  if (!t)
    return error;
  RpcFault f;
  auto history = historyLengthParam(c.rpc.params, f);
  if (!history)
    return fault(f, c.rpc.idJson);
  return result(c.rpc.idJson, taskJson(*t, *history));
}

ChannelResponse A2aService::cancelTask(const Call& c) {
  ChannelResponse error;
  auto t = ownTask(c, error);
  if (!t)
    return error;
  if (isTerminal(*t))
    return fault(200, c.rpc.idJson, kTaskNotCancelable,
                 "Task " + t->id + " is " + t->state + " already: it cannot be canceled",
                 "TASK_NOT_CANCELABLE");
  auto after = service_.cancel(t->id, c.client.caller);
  return result(c.rpc.idJson, taskJson(after ? *after : *t));
}

void A2aService::subscribe(const Call& c) {
  ChannelResponse error;
  auto t = ownTask(c, error);
  if (!t)
    return c.reply->respond(error);
  if (isTerminal(*t))
    return c.reply->respond(fault(200, c.rpc.idJson, kUnsupportedOperation,
                                  "Task " + t->id + " is " + t->state +
                                      ": a finished task has no updates to subscribe to; "
                                      "GetTask reads it",
                                  "UNSUPPORTED_OPERATION"));
  stream(c, *t, 0); // the client has the message: the task's state, not its history again
}

ChannelResponse A2aService::listTasks(const Call& c) {
  const auto& p = c.rpc.params;
  auto bad = [&](const std::string& why) {
    return fault(200, c.rpc.idJson, kInvalidParams, why, "INVALID_PARAMS");
  };
  const std::string contextId = p.getString("contextId").value_or("");
  if (contextId.size() > 128)
    return bad("params.contextId is longer than 128 characters");
  std::string state;
  // @a2a-js/sdk 1.3 sends "UNRECOGNIZED" for a status left out: no filter, as UNSPECIFIED.
  if (auto s = p.getString("status");
      s && !s->empty() && *s != "TASK_STATE_UNSPECIFIED" && *s != "UNRECOGNIZED") {
    state = stateOf(*s);
    if (state.empty())
      return bad("params.status " + util::jsonString(util::utf8Bytes(*s, 64)) +
                 " is not a task state (TASK_STATE_WORKING, ...)");
  }
  int64_t pageSize = kDefaultPage;
  if (p.find("pageSize") && !p.find("pageSize")->isNull()) {
    auto n = p.getInteger("pageSize");
    if (!n || *n < 1 || *n > kMaxPage)
      return bad("params.pageSize must be 1 to 100");
    pageSize = *n;
  }
  size_t offset = 0; // the page token is where the page starts among the caller's tasks
  if (std::string token = p.getString("pageToken").value_or(""); !token.empty()) {
    auto [end, ec] = std::from_chars(token.data(), token.data() + token.size(), offset);
    if (ec != std::errc() || end != token.data() + token.size() || offset > kListed)
      return bad("params.pageToken must be a nextPageToken this node gave");
  }
  RpcFault f;
  auto history = historyLengthParam(p, f);
  if (!history)
    return fault(f, c.rpc.idJson);
  const bool artifacts = p.getBool("includeArtifacts").value_or(false);
  // Ids first (no bodies), then one task at a time, until the page is full or large enough.
  const auto ids = service_.listIds(c.client.caller, c.agent, state, contextId, kListed);
  std::string tasks;
  size_t next = offset, shown = 0;
  for (; next < ids.size() && shown < static_cast<size_t>(pageSize) && tasks.size() < kPageBytes;
       ++next) {
    auto t = service_.find(ids[next], c.client.caller);
    if (!t)
      continue; // pruned meanwhile
    tasks += (shown++ ? "," : "") + taskJson(*t, *history < 0 ? 0 : *history, artifacts);
  }
  return result(c.rpc.idJson, "{\"tasks\":[" + tasks + "],\"nextPageToken\":\"" +
                                  (next < ids.size() ? std::to_string(next) : "") +
                                  "\",\"pageSize\":" + std::to_string(pageSize) +
                                  ",\"totalSize\":" + std::to_string(ids.size()) + "}");
}

} // namespace rivet::a2a
