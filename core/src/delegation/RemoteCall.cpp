// POST https://<name>.mesh:<port>/api/message, answer mapping (docs/protocol.md §6), and the
// one exchange every request to a peer goes through.
#include "delegation/RemoteCall.hpp"

#include "util/JsonText.hpp"
#include "util/RandomHex.hpp"

#include <rapidjson/document.h>

#include <algorithm>

namespace rivet::delegation {
namespace {

rivet_str str(const std::string& s) {
  return {s.data(), s.size()};
}

rivet_writer stringWriter(std::string& s) {
  return {&s,
          [](void* ctx, const char* d, size_t n) { static_cast<std::string*>(ctx)->append(d, n); }};
}

rivet_task_status parseStatus(const std::string& s) {
  if (s == "failed" || s == "canceled") // canceled: a task-API answer
    return RIVET_TASK_FAILED;
  if (s == "timeout")
    return RIVET_TASK_TIMEOUT;
  if (s == "rejected")
    return RIVET_TASK_REJECTED;
  return RIVET_TASK_COMPLETED; // RivetOS receivers send no status: a 2xx means completed
}

} // namespace

namespace {

// The request for `node` at `address`, as `send` sees it (its strings live during the call).
void withRequest(const RemoteNode& node, const std::string& address, std::string_view method,
                 std::string_view path, std::string_view body, int64_t timeoutMs,
                 const TaskRequest& r, const std::function<void(const rivet_peer_request&)>& send) {
  const std::string verify = node.name + ".mesh";
  std::string traceparent;
  if (r.traceId.size() == 32) // a new span for this hop, sampled as the caller's was unknown
    traceparent = "00-" + r.traceId + "-" + util::randomHex128("a span id").substr(0, 16) + "-01";
  rivet_header header{{"traceparent", 11}, str(traceparent)};
  rivet_peer_request req{};
  req.struct_size = sizeof req;
  req.host = str(address);
  req.port = static_cast<uint32_t>(node.port);
  req.verify_name = str(verify);
  req.method = {method.data(), method.size()};
  req.path = {path.data(), path.size()};
  req.body = {body.data(), body.size()};
  req.timeout_ms = std::max<int64_t>(timeoutMs, 1);
  req.headers = traceparent.empty() ? nullptr : &header;
  req.header_count = traceparent.empty() ? 0 : 1;
  send(req);
}

RemoteResult resultOf(const PeerAnswer& a, const std::string& where, const std::string& address) {
  RemoteResult out;
  switch (a.net) {
  case RIVET_NET_OK:
    break;
  case RIVET_NET_NOT_DELIVERED:
    out.mayFailOver = true;
    out.text = where + " (" + address + ") failed: " + a.error;
    return out;
  case RIVET_NET_TIMEOUT:
    out.status = RIVET_TASK_TIMEOUT;
    out.text = where + " timed out: " + a.error;
    return out;
  default:
    out.text = where + " failed: " + a.error;
    return out;
  }
  if (a.status == 503 || a.status == 429 || a.status == 403) { // refused before running
    out.mayFailOver = true;
    out.policyRefused = a.status == 403;
    out.admissionRefused = a.status != 503;
    out.text = where + (a.status == 403 ? " refused by its policy" : " failed") + ": HTTP " +
               std::to_string(a.status) + " — " + bodyExcerpt(a.body);
    return out;
  }
  if (a.status < 200 || a.status >= 300) {
    out.text = where + " failed: HTTP " + std::to_string(a.status) + " — " + bodyExcerpt(a.body);
    return out;
  }
  return answerFrom(a.body);
}

} // namespace

PeerAnswer exchange(const PeerCaller& caller, const RemoteNode& node, const std::string& address,
                    std::string_view method, std::string_view path, std::string_view body,
                    int64_t timeoutMs, const TaskRequest& r) {
  PeerAnswer a;
  withRequest(node, address, method, path, body, timeoutMs, r, [&](const rivet_peer_request& req) {
    rivet_peer_response resp{sizeof(rivet_peer_response), 0, stringWriter(a.body),
                             stringWriter(a.error)};
    a.net = caller(req, resp);
    a.status = resp.status;
  });
  return a;
}

void exchangeAsync(const AsyncPeerCaller& caller, const RemoteNode& node,
                   const std::string& address, std::string_view method, std::string_view path,
                   std::string_view body, int64_t timeoutMs, const TaskRequest& r,
                   std::function<void(PeerAnswer)> done) {
  bool taken = false;
  withRequest(node, address, method, path, body, timeoutMs, r,
              [&](const rivet_peer_request& req) { taken = caller(req, done); });
  if (!taken) {
    PeerAnswer a;
    a.net = RIVET_NET_NOT_DELIVERED;
    a.error = "the transport is stopping";
    done(std::move(a));
  }
}

std::string messageBody(const TaskRequest& r) {
  std::string body = "{\"fromAgent\":";
  util::appendJsonString(body, r.fromAgent);
  body += ",\"message\":";
  util::appendJsonString(body, "[Mesh delegation] " + r.task);
  body += ",\"waitForResponse\":true,\"chainDepth\":" + std::to_string(r.chainDepth);
  body += ",\"timeoutMs\":" + std::to_string(r.timeoutMs);
  if (!r.model.empty()) {
    body += ",\"model\":";
    util::appendJsonString(body, r.model);
  }
  body += ",\"toAgent\":";
  util::appendJsonString(body, r.toAgent);
  if (!r.callerField.empty()) { // our extension: the caller a forwarded task is for
    body += ",\"caller\":";
    util::appendJsonString(body, r.callerField);
  }
  if (!r.path.empty()) { // our extension: the hops so far, for cycle refusal
    body += ",\"path\":[";
    for (size_t i = 0; i < r.path.size(); ++i) {
      if (i)
        body += ',';
      util::appendJsonString(body, r.path[i]);
    }
    body += ']';
  }
  return body + "}";
}

std::string bodyExcerpt(std::string_view body) {
  std::string_view cut = util::utf8Bytes(body, 500);
  return cut.size() < body.size()
             ? std::string(cut) + "... (" + std::to_string(body.size()) + " bytes)"
             : std::string(body);
}

RemoteResult answerFrom(std::string_view json) {
  RemoteResult out;
  out.reachedAgent = true;
  out.status = RIVET_TASK_COMPLETED;
  out.text = "[no response from remote agent]";
  // Iterative: a hostile answer nested a million deep must not overflow the stack. A 2xx whose
  // body is not our JSON is completed without text, as RivetOS senders treat it.
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseIterativeFlag>(json.data(), json.size());
  if (doc.HasParseError() || !doc.IsObject())
    return out;
  auto text = [&](const char* name, std::string& into) {
    auto it = doc.FindMember(name);
    if (it == doc.MemberEnd() || !it->value.IsString())
      return false;
    into.assign(it->value.GetString(), it->value.GetStringLength());
    return true;
  };
  text("response", out.text);
  if (std::string status; text("status", status))
    out.status = parseStatus(status);
  text("agent", out.answeredBy);
  return out;
}

RemoteResult callRemote(const PeerCaller& caller, const RemoteNode& node,
                        const std::string& address, const TaskRequest& r, int64_t graceMs) {
  PeerAnswer a = exchange(caller, node, address, "POST", "/api/message", messageBody(r),
                          r.timeoutMs + graceMs, r);
  return resultOf(a, "Remote delegation to " + r.toAgent + " on " + node.name, address);
}

void callRemoteAsync(const AsyncPeerCaller& caller, const RemoteNode& node,
                     const std::string& address, const TaskRequest& r, int64_t graceMs,
                     std::function<void(RemoteResult)> done) {
  std::string where = "Remote delegation to " + r.toAgent + " on " + node.name;
  exchangeAsync(caller, node, address, "POST", "/api/message", messageBody(r),
                r.timeoutMs + graceMs, r,
                [where = std::move(where), address, done = std::move(done)](PeerAnswer a) {
                  done(resultOf(a, where, address));
                });
}

bool tryByName(const RemoteNode& node, const RemoteResult& first) {
  // A refusal by the node's policy or admission came from the node itself: no other address.
  return !first.reachedAgent && first.mayFailOver && node.host != node.name + ".mesh" &&
         !first.policyRefused && !first.admissionRefused;
}

RemoteResult secondAddress(const RemoteResult& first, RemoteResult second) {
  if (!second.reachedAgent && second.mayFailOver)
    second.text = first.text + "; " + second.text;
  return second;
}

} // namespace rivet::delegation
