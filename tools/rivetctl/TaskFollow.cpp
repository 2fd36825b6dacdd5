// The follow loop: read events, show each once (ids only grow), reconnect with the last id when
// the stream drops (within the node's cancel-on-disconnect grace), and turn the first Ctrl-C
// into a cancel; a second Ctrl-C exits at once.
#include "TaskFollow.hpp"

#include "FollowDisplay.hpp"
#include "TaskEventStream.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <iostream>

namespace rivet::ctl {
namespace {

using Clock = std::chrono::steady_clock;

int wakePipe[2] = {-1, -1};
volatile std::sig_atomic_t interrupts = 0;

extern "C" void onInterrupt(int) {
  if (interrupts != 0)
    _exit(kExitInterrupted); // the second Ctrl-C: no waiting for the cancel
  interrupts = 1;
  char c = 1;
  [[maybe_unused]] ssize_t n = ::write(wakePipe[1], &c, 1);
}

bool installInterrupt() {
  if (::pipe2(wakePipe, O_CLOEXEC | O_NONBLOCK) != 0)
    return false;
  struct sigaction sa {};
  sa.sa_handler = onInterrupt;
  sigemptyset(&sa.sa_mask);
  return sigaction(SIGINT, &sa, nullptr) == 0; // no SA_RESTART: waits see EINTR
}

bool terminal(const std::string& state) {
  return state == "completed" || state == "failed" || state == "canceled" || state == "rejected";
}

// Waits `ms` unless Ctrl-C comes first (true then).
bool interruptedWithin(int64_t ms) {
  pollfd p{wakePipe[0], POLLIN, 0};
  return ::poll(&p, 1, static_cast<int>(ms)) > 0;
}

int cancelTask(LocalNode& node, const std::string& id, FollowDisplay& display) {
  display.note("interrupted: canceling task " + id + " (Ctrl-C again quits at once)");
  ApiAnswer a = callNode(node, "POST", "/api/tasks/" + id + "/cancel", "", 10000);
  if (a.exit != kExitOk)
    return kExitInterrupted;
  if (a.status != 200) {
    std::cerr << "rivetctl: " << node.where << " refused to cancel task " << id << ": HTTP "
              << a.status << ": " << refusal(a) << "\n";
    return kExitInterrupted;
  }
  std::string by = field(a.json, "canceledBy");
  display.note("task " + id + " " + field(a.json, "state", "?") + (by.empty() ? "" : " by " + by));
  return kExitInterrupted;
}

} // namespace

int followTask(LocalNode& node, const sdk::json::Value& task) {
  const std::string id = field(task, "id");
  FollowDisplay display(field(task, "agent", "?"), field(task, "node", "?"));
  if (!installInterrupt()) {
    std::cerr << "rivetctl: cannot watch for Ctrl-C; task " << id << " runs on\n";
    return kExitFailed;
  }
  display.note("task " + id + " on " + field(task, "agent", "?") + "@" + field(task, "node", "?") +
               " (Ctrl-C cancels it)");
  std::unique_ptr<BenchTlsClient> tls;
  try {
    tls = streamTlsClient(node);
  } catch (const std::exception& e) {
    std::cerr << "rivetctl: " << e.what() << "\n";
    return kExitFailed;
  }
  const auto& tasks = node.config.tasks;
  // A stream is silent for a keep-alive period at most; reconnecting is worth it while the node
  // has not cancelled the task for want of a watcher.
  const int64_t idleMs = 2 * tasks.keepaliveMs + 5000;
  const int64_t retryForMs = std::clamp<int64_t>(tasks.disconnectGraceMs, 5000, 60000);
  int64_t lastId = 0, lastGapTo = 0;
  int64_t backoffMs = 100;
  bool failing = false;
  Clock::time_point failingSince;
  std::vector<SseEvent> events;
  for (;;) {
    TaskEventStream stream(*tls, node);
    auto status = stream.open(id, lastId, wakePipe[0], 5000);
    while (status == TaskEventStream::Status::Events) {
      events.clear();
      status = stream.next(events, wakePipe[0], idleMs);
      if (!events.empty() && failing) {
        display.note("reconnected: events after " + std::to_string(lastId));
        failing = false;
        backoffMs = 100;
      }
      for (const SseEvent& e : events) {
        auto data = sdk::json::tryParse(e.data);
        if (e.id == 0) { // a gap: shown once, however often the node repeats it
          int64_t to = data ? data->getInteger("missedTo").value_or(0) : 0;
          if (data && to <= lastGapTo)
            continue;
          lastGapTo = to;
        } else if (e.id <= lastId) {
          continue; // shown already
        } else {
          lastId = e.id;
        }
        std::string why;
        if (!display.show(e, data ? *data : sdk::json::Value(), why)) {
          std::cerr << "rivetctl: the event stream of task " << id << " from " << node.where
                    << " is unusable: " << why << "; see rivetctl task " << id << "\n";
          return kExitFailed;
        }
        std::string state = e.type == "state" ? field(*data, "state") : "";
        if (terminal(state)) {
          const sdk::json::Value* r = data->find("result");
          if (r)
            return display.finish(id, state, *r);
          ApiAnswer a = callNode(node, "GET", "/api/tasks/" + id, "", 10000); // too large for it
          if (a.exit != kExitOk)
            return a.exit;
          const sdk::json::Value* whole = a.json.find("result");
          return display.finish(id, state, whole ? *whole : sdk::json::Value());
        }
      }
    }
    switch (status) {
    case TaskEventStream::Status::Interrupted:
      return cancelTask(node, id, display);
    case TaskEventStream::Status::Invalid:
      std::cerr << "rivetctl: the event stream of task " << id << " from " << node.where
                << " is unusable: " << stream.error() << "; the node cancels the task once "
                << "nobody follows it (see rivetctl task " << id << ")\n";
      return kExitFailed;
    case TaskEventStream::Status::Refused: {
      ApiAnswer a;
      a.body = stream.body();
      if (auto v = sdk::json::tryParse(a.body))
        a.json = *v;
      std::cerr << "rivetctl: " << node.where << " refused the event stream of task " << id << ": "
                << stream.error() << ": " << refusal(a) << "\n";
      return kExitFailed;
    }
    case TaskEventStream::Status::Ended: { // ended before a terminal state we saw: read the task
      ApiAnswer a = callNode(node, "GET", "/api/tasks/" + id, "", 10000);
      if (interrupts != 0) // Ctrl-C during the read: cancel, whatever the read gave
        return cancelTask(node, id, display);
      if (a.exit != kExitOk)
        return a.exit;
      std::string state = field(a.json, "state");
      if (a.status == 200 && terminal(state)) {
        const sdk::json::Value* r = a.json.find("result");
        return display.finish(id, state, r ? *r : sdk::json::Value());
      }
      if (a.status != 200) {
        std::cerr << "rivetctl: task " << id << " on " << node.where << ": " << refusal(a) << "\n";
        return kExitFailed;
      }
      if (interruptedWithin(200)) // still running: follow again
        return cancelTask(node, id, display);
      break;
    }
    default: // Dropped
      if (!failing) {
        failing = true;
        failingSince = Clock::now();
        display.note("event stream dropped (" + printable(stream.error()) +
                     "); reconnecting after event " + std::to_string(lastId));
      } else if (Clock::now() - failingSince > std::chrono::milliseconds(retryForMs)) {
        std::cerr << "rivetctl: lost " << node.where << " for " << retryForMs / 1000
                  << " s: " << printable(stream.error()) << "; task " << id
                  << " is canceled by the node once nobody follows it\n";
        return kExitUnreachable;
      }
      if (interruptedWithin(backoffMs))
        return cancelTask(node, id, display);
      backoffMs = std::min<int64_t>(backoffMs * 2, 2000);
    }
  }
}

} // namespace rivet::ctl
