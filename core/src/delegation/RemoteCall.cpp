// POST https://<name>.mesh:<port>/api/message, answer mapping (docs/protocol.md §6).
#include "delegation/RemoteCall.hpp"

#include "util/JsonText.hpp"

#include <Poco/JSON/Parser.h>

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
  if (s == "failed")
    return RIVET_TASK_FAILED;
  if (s == "timeout")
    return RIVET_TASK_TIMEOUT;
  if (s == "rejected")
    return RIVET_TASK_REJECTED;
  return RIVET_TASK_COMPLETED; // RivetOS receivers send no status: a 2xx means completed
}

std::string requestBody(const TaskRequest& r) {
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

} // namespace

RemoteResult callRemote(const PeerCaller& caller, const RemoteNode& node,
                        const std::string& address, const TaskRequest& r, int64_t graceMs) {
  const std::string where = "Remote delegation to " + r.toAgent + " on " + node.name;
  std::string body = requestBody(r), answer, error;
  std::string verify = node.name + ".mesh";
  rivet_peer_request req{sizeof(rivet_peer_request),
                         str(address),
                         static_cast<uint32_t>(node.port),
                         str(verify),
                         {"POST", 4},
                         {"/api/message", 12},
                         str(body),
                         r.timeoutMs + graceMs};
  rivet_peer_response resp{sizeof(rivet_peer_response), 0, stringWriter(answer),
                           stringWriter(error)};
  rivet_net_result net = caller(req, resp);

  RemoteResult out;
  switch (net) {
  case RIVET_NET_OK:
    break;
  case RIVET_NET_NOT_DELIVERED:
    out.mayFailOver = true;
    out.text = where + " (" + address + ") failed: " + error;
    return out;
  case RIVET_NET_TIMEOUT:
    out.status = RIVET_TASK_TIMEOUT;
    out.text = where + " timed out: " + error;
    return out;
  default:
    out.text = where + " failed: " + error;
    return out;
  }
  if (resp.status == 503) { // refused before running (busy, or its own hosts offline)
    out.mayFailOver = true;
    out.text = where + " failed: HTTP 503 — " + answer;
    return out;
  }
  if (resp.status < 200 || resp.status >= 300) {
    out.text = where + " failed: HTTP " + std::to_string(resp.status) + " — " + answer;
    return out;
  }
  out.reachedAgent = true;
  out.status = RIVET_TASK_COMPLETED;
  out.text = "[no response from remote agent]";
  try {
    auto obj = Poco::JSON::Parser().parse(answer).extract<Poco::JSON::Object::Ptr>();
    if (obj->has("response") && obj->get("response").isString())
      out.text = obj->getValue<std::string>("response");
    if (obj->has("status") && obj->get("status").isString())
      out.status = parseStatus(obj->getValue<std::string>("status"));
    if (obj->has("agent") && obj->get("agent").isString())
      out.answeredBy = obj->getValue<std::string>("agent");
  } catch (const std::exception&) {
    // A 2xx whose body is not our JSON: completed without text, as RivetOS senders treat it.
  }
  return out;
}

} // namespace rivet::delegation
