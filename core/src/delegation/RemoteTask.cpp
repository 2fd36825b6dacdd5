// Submit, watch (GET /api/tasks/<id>?eventsAfter=N with a backoff) and cancel one remote task.
#include "delegation/RemoteTask.hpp"

#include "util/JsonText.hpp"
#include "util/RandomHex.hpp"

#include "rivet/sdk/json.hpp"

#include <algorithm>
#include <chrono>
#include <thread>

namespace rivet::delegation {
namespace {

namespace json = sdk::json;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr milliseconds kSubmitTimeout{10000}; // a submit is answered at once when the node is up
constexpr milliseconds kPollTimeout{10000};
constexpr milliseconds kCancelTimeout{5000}; // the node waits up to 3 s for the task to end
constexpr milliseconds kFirstPoll{100};
constexpr milliseconds kSlowestPoll{1000};
constexpr milliseconds kSlice{50};  // how often a parent's cancel is seen between polls
constexpr int64_t kEventPage = 200; // the most events one poll answer carries (protocol.md)
// Delegation events passed on from one child: its tree's started and ended, well beyond what a
// task's real tree has, never a flood from a hostile node.
constexpr int64_t kMaxDelegationEvents = 2048;

bool isTaskId(std::string_view id) {
  return id.size() == 32 && std::all_of(id.begin(), id.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

bool terminal(std::string_view state) {
  return state == "completed" || state == "failed" || state == "canceled" || state == "rejected";
}

int64_t msUntil(Clock::time_point t) {
  return std::chrono::duration_cast<milliseconds>(t - Clock::now()).count();
}

class Watch {
public:
  Watch(const PeerCaller& caller, const RemoteNode& node, const std::string& address,
        const TaskRequest& r, int64_t graceMs, const std::string& key, spdlog::logger& log)
      : caller_(caller), node_(node), address_(address), r_(r), key_(key), log_(log),
        deadline_(Clock::now() + milliseconds(r.timeoutMs + graceMs)),
        where_("Remote task for " + r.toAgent + " on " + node.name) {}

  RemoteResult run() {
    if (r_.parent->cancelled()) { // e.g. while another address of the node was tried
      RemoteResult out;
      out.text = where_ + " not started: the task of " + r_.parent->agentId +
                 " that asked for it was cancelled";
      return out;
    }
    RemoteResult out = submit();
    if (child_.taskId.empty())
      return out;
    if (auto* o = observer())
      o->delegationStarted(child_);
    log_.info("Task {} of {} on {} started for {} (trace {})", child_.taskId, r_.toAgent,
              node_.name, child_.from, r_.traceId);
    out = watch();
    if (auto* o = observer())
      o->delegationEnded(child_, endedState_, endedResult_);
    return out;
  }

private:
  plugin::TaskObserver* observer() const { return r_.parent->observer.get(); }

  PeerAnswer call(std::string_view method, const std::string& path, std::string_view body,
                  milliseconds cap) const {
    int64_t timeout = std::min<int64_t>(cap.count(), std::max<int64_t>(msUntil(deadline_), 1));
    return exchange(caller_, node_, address_, method, path, body, timeout, r_);
  }

  RemoteResult submit() {
    RemoteResult out;
    std::string body = messageBody(r_);
    body.pop_back(); // the closing brace: the task API's own fields follow
    // cancelOnDisconnect: the watch's polls keep it; if this node dies or loses the way there,
    // the task there is cancelled after that node's tasks.disconnect_grace_ms.
    body += ",\"idempotencyKey\":" + util::jsonString(key_) + ",\"cancelOnDisconnect\":true}";
    PeerAnswer a = call("POST", "/api/tasks", body, kSubmitTimeout);
    bool maybeDelivered = a.net == RIVET_NET_DELIVERED_FAILED || a.net == RIVET_NET_TIMEOUT;
    if (maybeDelivered) {
      // The answer was lost: the same idempotency key finds the task if it was created.
      log_.warn("{}: the submit's answer was lost ({}); sending it again with the same "
                "idempotency key",
                where_, a.error);
      a = call("POST", "/api/tasks", body, kSubmitTimeout);
      bool refused = a.net == RIVET_NET_NOT_DELIVERED ||
                     (a.net == RIVET_NET_OK && a.status != 200 && a.status != 202);
      if (refused) { // it may run there all the same: never sent anywhere else
        out.text = where_ + " failed: the answer to the submit was lost and sending it again " +
                   (a.net == RIVET_NET_OK ? "was answered HTTP " + std::to_string(a.status)
                                          : "failed: " + a.error) +
                   "; the task may be running there, so it is not sent to another node";
        return out;
      }
    }
    switch (a.net) {
    case RIVET_NET_OK:
      break;
    case RIVET_NET_NOT_DELIVERED:
      out.mayFailOver = true;
      out.text = where_ + " (" + address_ + ") failed: " + a.error;
      return out;
    case RIVET_NET_TIMEOUT:
      out.status = RIVET_TASK_TIMEOUT;
      out.text = where_ + " timed out while submitting: " + a.error;
      return out;
    default:
      out.text = where_ + " failed while submitting: " + a.error;
      return out;
    }
    if (a.status == 404) { // no task API there (RivetOS answers 404 to any unknown path)
      out.noTaskApi = out.mayFailOver = true;
      out.text = where_ + ": POST /api/tasks answered 404";
      return out;
    }
    if (a.status == 503 || a.status == 429 || a.status == 403) { // refused before running
      out.mayFailOver = true;
      out.policyRefused = a.status == 403;
      out.admissionRefused = a.status != 503;
      out.text = where_ + (a.status == 403 ? " refused by its policy" : " failed") + ": HTTP " +
                 std::to_string(a.status) + " — " + bodyExcerpt(a.body);
      return out;
    }
    auto doc = json::tryParse(a.body);
    std::string id = doc && doc->isObject() ? doc->getString("id").value_or("") : "";
    if ((a.status != 200 && a.status != 202) || !isTaskId(id)) {
      out.text = where_ + " failed: HTTP " + std::to_string(a.status) +
                 (isTaskId(id) ? "" : " without a task id") + " — " + bodyExcerpt(a.body);
      return out;
    }
    child_ = {node_.name, id, r_.toAgent, r_.parent->hop()};
    return out;
  }

  RemoteResult watch() {
    milliseconds interval = kFirstPoll;
    int failures = 0;
    for (;;) {
      if (r_.parent->cancelled())
        return cancelThere(RIVET_TASK_FAILED, "cancelled: the task of " + r_.parent->agentId +
                                                  " that asked for it was cancelled");
      if (Clock::now() >= deadline_)
        return cancelThere(RIVET_TASK_TIMEOUT,
                           "timed out after " + std::to_string(r_.timeoutMs) + "ms");
      PeerAnswer a =
          call("GET", "/api/tasks/" + child_.taskId + "?eventsAfter=" + std::to_string(after_), {},
               kPollTimeout);
      if (a.net == RIVET_NET_OK && a.status == 404) {
        endedState_ = "failed";
        RemoteResult out;
        out.reachedAgent = true;
        out.text = where_ + " failed: task " + child_.taskId +
                   " is gone there (its node lost its task journal or pruned it)";
        return out;
      }
      size_t events = 0;
      if (a.net == RIVET_NET_OK && a.status == 200) {
        failures = 0;
        if (auto done = readPoll(a.body, events))
          return *done;
      } else if (++failures == 3) {
        log_.warn("{}: task {} cannot be read ({}); still trying until its deadline", where_,
                  child_.taskId,
                  a.net == RIVET_NET_OK ? "HTTP " + std::to_string(a.status) : a.error);
      }
      if (events >= static_cast<size_t>(kEventPage))
        continue; // more are waiting
      interval = events ? kFirstPoll : std::min(interval * 2, kSlowestPoll);
      auto until = std::min(deadline_, Clock::now() + interval);
      while (Clock::now() < until && !r_.parent->cancelled())
        std::this_thread::sleep_for(
            std::min(kSlice, milliseconds(std::max<int64_t>(msUntil(until), 1))));
    }
  }

  // The events of one poll answer go to the observer; a result when the task has ended.
  std::optional<RemoteResult> readPoll(const std::string& body, size_t& events) {
    auto doc = json::tryParse(body);
    if (!doc || !doc->isObject())
      return std::nullopt; // a broken answer: the next poll asks again
    if (const json::Value* list = doc->find("events"); list && list->isArray()) {
      size_t taken = 0;
      for (const auto& e : list->items()) {
        if (++taken > static_cast<size_t>(kEventPage))
          break; // a node sends at most a page; the rest is asked for again
        auto seq = e.isObject() ? e.getInteger("id") : std::nullopt;
        if (!seq || *seq <= after_)
          continue; // never twice, whatever the node sends
        after_ = *seq;
        ++events;
        std::string type = e.getString("type").value_or("");
        const json::Value* data = e.find("data");
        if (type == "delegation" && ++delegations_ > kMaxDelegationEvents) {
          if (delegations_ == kMaxDelegationEvents + 1)
            log_.warn("{}: task {} reported more than {} delegations; the rest are not passed on",
                      where_, child_.taskId, kMaxDelegationEvents);
          continue;
        }
        if ((type == "progress" || type == "delegation") && data && data->isObject())
          if (auto* o = observer())
            o->delegationEvent(child_, type, data->dump());
      }
    }
    std::string state = doc->getString("state").value_or("");
    if (!terminal(state))
      return std::nullopt;
    const json::Value* result = doc->find("result");
    endedState_ = state;
    endedResult_ = result ? result->dump() : "null";
    RemoteResult out = answerFrom(result && result->isObject() ? endedResult_ : "{}");
    if (state == "failed" && out.status != RIVET_TASK_TIMEOUT) // the state decides, not a result
      out.status = RIVET_TASK_FAILED;
    if (state == "rejected")
      out.status = RIVET_TASK_REJECTED;
    if (state == "canceled") {
      out.status = RIVET_TASK_FAILED;
      out.text = where_ + " was canceled there" +
                 (doc->getString("canceledBy") ? " by " + *doc->getString("canceledBy") : "");
    }
    return out;
  }

  RemoteResult cancelThere(rivet_task_status status, const std::string& why) {
    const std::string path = "/api/tasks/" + child_.taskId + "/cancel";
    deadline_ = std::max(deadline_, Clock::now() + kCancelTimeout); // a cancel is always sent
    PeerAnswer a = call("POST", path, {}, kCancelTimeout);
    if (a.net != RIVET_NET_OK)
      a = call("POST", path, {}, kCancelTimeout);
    if (a.net != RIVET_NET_OK || a.status != 200)
      log_.warn("{}: cancelling task {} there failed ({}); it runs on until its own deadline",
                where_, child_.taskId,
                a.net == RIVET_NET_OK ? "HTTP " + std::to_string(a.status) : a.error);
    else
      log_.info("{}: task {} cancelled there", where_, child_.taskId);
    endedState_ = status == RIVET_TASK_TIMEOUT ? "failed" : "canceled";
    RemoteResult out;
    out.reachedAgent = true;
    out.status = status;
    out.text = "Delegation to " + r_.toAgent + " on " + node_.name + " " + why;
    return out;
  }

  const PeerCaller& caller_;
  const RemoteNode& node_;
  const std::string& address_;
  const TaskRequest& r_;
  const std::string& key_;
  spdlog::logger& log_;
  Clock::time_point deadline_;
  const std::string where_;
  plugin::RemoteChild child_;
  int64_t after_ = 0;
  int64_t delegations_ = 0;
  std::string endedState_ = "failed";
  std::string endedResult_ = "null";
};

} // namespace

RemoteResult runRemoteTask(const PeerCaller& caller, const RemoteNode& node,
                           const std::string& address, const TaskRequest& r, int64_t graceMs,
                           const std::string& key, spdlog::logger& log) {
  return Watch(caller, node, address, r, graceMs, key, log).run();
}

} // namespace rivet::delegation
