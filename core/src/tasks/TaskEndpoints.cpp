// Paths, bodies and refusals of the task API.
#include "tasks/TaskEndpoints.hpp"

#include "channel/InboundTask.hpp"
#include "channel/MessageRequest.hpp"
#include "tasks/TaskJson.hpp"
#include "tasks/TaskTree.hpp"
#include "util/JsonText.hpp"

#include "rivet/sdk/json.hpp"

#include <charconv>

namespace rivet::tasks {
namespace {

using channel::ChannelResponse;
constexpr std::string_view kBase = "/api/tasks";
constexpr size_t kMaxKeyBytes = 256;
constexpr size_t kDefaultList = 100;
constexpr size_t kMaxList = 1000;
constexpr int64_t kTimeoutCeilingMs = 604800000; // 7 days: the top of tasks.max_timeout_ms
constexpr int kMaxTreeReads = 4;                 // ?tree= reads at once

ChannelResponse error(int status, std::string_view text) {
  std::string body = "{\"error\":";
  util::appendJsonString(body, text);
  return {status, body + "}", 0};
}

ChannelResponse noSuchTask(std::string_view id) {
  return error(404, "No task " + std::string(id.substr(0, 64)) +
                        " for this caller: it does not exist, was pruned, or another "
                        "certificate submitted it");
}

// A value of a query string ("a=1&b=2"), undecoded: the values the API takes need no escapes.
std::string_view queryValue(std::string_view query, std::string_view key) {
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    if (pair.size() > key.size() && pair.substr(0, key.size()) == key && pair[key.size()] == '=')
      return pair.substr(key.size() + 1);
    if (amp == std::string_view::npos)
      break;
    query.remove_prefix(amp + 1);
  }
  return {};
}

std::optional<int64_t> nonNegative(std::string_view text) {
  int64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || v < 0 || text.empty())
    return std::nullopt;
  return v;
}

bool printableKey(std::string_view key) {
  return std::all_of(key.begin(), key.end(), [](char c) { return c >= 0x21 && c <= 0x7e; });
}

} // namespace

bool TaskEndpoints::handles(std::string_view path) {
  path = path.substr(0, path.find('?'));
  return path == kBase || (path.size() > kBase.size() + 1 &&
                           path.substr(0, kBase.size()) == kBase && path[kBase.size()] == '/');
}

void TaskEndpoints::serve(const channel::ChannelRequest& r, TaskReply& reply) {
  const std::string caller = "cn:" + std::string(r.peerCn);
  std::string_view target = r.path;
  size_t q = target.find('?');
  std::string_view path = target.substr(0, q);
  std::string_view query = q == std::string_view::npos ? "" : target.substr(q + 1);
  try {
    if (path == kBase) {
      if (r.method == "POST")
        return reply.respond(submit(r, caller));
      if (r.method == "GET")
        return reply.respond(list(query, caller));
      return reply.respond(error(405, "Use POST /api/tasks to submit or GET /api/tasks to list"));
    }
    std::string_view rest = path.substr(kBase.size() + 1); // "<id>", "<id>/events", "<id>/cancel"
    std::string_view id = rest.substr(0, rest.find('/'));
    std::string_view action = id.size() < rest.size() ? rest.substr(id.size() + 1) : "";
    const std::string taskId(id);
    if (action.empty() && r.method == "GET") {
      auto task = service_.find(taskId, caller);
      if (!task)
        return reply.respond(noSuchTask(id));
      if (std::string_view tree = queryValue(query, "tree"); !tree.empty()) {
        auto levels = tree == "true" ? std::optional<int64_t>(kMaxTreeLevels) : nonNegative(tree);
        if (!levels || *levels < 1 || *levels > kMaxTreeLevels)
          return reply.respond(error(400, "tree must be true or the number of levels, 1 to " +
                                              std::to_string(kMaxTreeLevels)));
        // Each read may wait on other nodes: a few at once, never every request thread.
        if (treeReads_.fetch_add(1) >= kMaxTreeReads) {
          treeReads_.fetch_sub(1);
          return reply.respond({503,
                                "{\"error\":\"Busy: " + std::to_string(kMaxTreeReads) +
                                    " task trees are being read; try again\"}",
                                1});
        }
        struct Done {
          std::atomic<int>& n;
          ~Done() { n.fetch_sub(1); }
        } done{treeReads_};
        return reply.respond(
            {200, taskTreeJson(service_.engine(), *task, static_cast<int>(*levels)), 0});
      }
      std::string_view after = queryValue(query, "eventsAfter"); // a poll (a node that delegated)
      if (after.empty())
        return reply.respond({200, taskJson(*task), 0});
      auto seq = nonNegative(after);
      if (!seq)
        return reply.respond(error(400, "eventsAfter must be the number of the last event seen"));
      return reply.respond({200, taskJsonWithEvents(*task, service_.eventsAfter(*task, *seq)), 0});
    }
    if (action == "cancel" && r.method == "POST") {
      auto task = service_.cancel(taskId, caller);
      return reply.respond(task ? ChannelResponse{200, taskJson(*task), 0} : noSuchTask(id));
    }
    if (action == "events" && r.method == "GET") {
      std::string_view from = r.header("Last-Event-ID"); // a reconnecting EventSource
      if (from.empty())
        from = queryValue(query, "after");
      auto after = from.empty() ? std::optional<int64_t>(0) : nonNegative(from);
      if (!after)
        return reply.respond(error(400, "Last-Event-ID (or ?after=) must be the number of the "
                                        "last event received"));
      if (!service_.find(taskId, caller))
        return reply.respond(noSuchTask(id));
      auto stream = reply.beginEvents();
      if (!service_.attach(taskId, caller, *after, stream))
        stream->end(); // pruned in between
      return;
    }
    if (action.empty() || action == "cancel" || action == "events")
      return reply.respond(
          error(405, "Method " + std::string(r.method) + " not allowed on " + std::string(path)));
    return reply.respond(error(404, "Not found"));
  } catch (const std::exception& e) {
    return reply.respond(error(500, std::string("Task journal error: ") + e.what()));
  }
}

ChannelResponse TaskEndpoints::submit(const channel::ChannelRequest& r, const std::string& caller) {
  // Up to the longest tasks.max_timeout_ms can allow; the node's own limit is checked below,
  // with a message that names the key.
  channel::MessageParse parsed = channel::parseMessageRequest(r.body, kTimeoutCeilingMs);
  if (!parsed.request)
    return {parsed.status, parsed.error, 0};
  auto doc = sdk::json::tryParse(r.body); // the fields /api/message does not have
  if (!doc || !doc->isObject())
    return error(400, "The body must be a JSON object");
  const channel::MessageRequest& m = *parsed.request;
  if (m.toAgent.empty())
    return error(400, "toAgent is required: name the agent that should run the task");
  std::string key = doc->getString("idempotencyKey").value_or("");
  if (doc->find("idempotencyKey") && !doc->getString("idempotencyKey"))
    return error(400, "idempotencyKey must be a string");
  std::string_view headerKey = r.header("Idempotency-Key");
  if (!headerKey.empty() && !key.empty() && headerKey != key)
    return error(400, "The Idempotency-Key header and the idempotencyKey field differ: send one");
  if (key.empty())
    key = std::string(headerKey);
  if (key.size() > kMaxKeyBytes || !printableKey(key))
    return error(400, "idempotencyKey must be 1 to 256 printable ASCII characters without spaces");
  const sdk::json::Value* cod = doc->find("cancelOnDisconnect");
  if (cod && !cod->isBool())
    return error(400, "cancelOnDisconnect must be true or false");
  int64_t timeoutMs = doc->find("timeoutMs") ? m.timeoutMs : limits_.defaultTimeoutMs;
  if (timeoutMs > limits_.maxTimeoutMs)
    return error(400, "timeoutMs " + std::to_string(timeoutMs) + " is longer than this node " +
                          "allows (tasks.max_timeout_ms: " + std::to_string(limits_.maxTimeoutMs) +
                          ")");

  Submit s;
  s.caller = caller;
  s.idempotencyKey = key;
  s.cancelOnDisconnect = cod && cod->asBool();
  s.requestJson = std::string(r.body);
  s.request = channel::inboundTask(m, r, timeoutMs);
  s.traceId = s.request.traceId;
  SubmitResult out = service_.submit(std::move(s));
  if (!out.task)
    return {out.status, "{\"error\":" + util::jsonString(out.error) + "}", out.retryAfterSeconds};
  return {out.status, taskJson(*out.task), 0};
}

ChannelResponse TaskEndpoints::list(std::string_view query, const std::string& caller) {
  std::string state(queryValue(query, "state"));
  if (!state.empty() && !TaskStore::isState(state))
    return error(400, "state must be one of submitted, working, input-required, completed, "
                      "failed, canceled, rejected");
  size_t limit = kDefaultList;
  if (std::string_view l = queryValue(query, "limit"); !l.empty()) {
    auto n = nonNegative(l);
    if (!n || *n < 1 || *n > static_cast<int64_t>(kMaxList))
      return error(400, "limit must be 1 to 1000");
    limit = static_cast<size_t>(*n);
  }
  return {200, taskListJson(service_.list(caller, state, limit)), 0};
}

} // namespace rivet::tasks
