// `send` without options: the RivetOS message body through /api/message, the answer printed;
// exit 0 only for `completed`. `--follow` and `--detach` submit through /api/tasks instead.
#include "SendCommand.hpp"

#include "LocalNode.hpp"
#include "TaskFollow.hpp"
#include "util/JsonText.hpp"
#include "util/RandomHex.hpp"

#include <Poco/JSON/Parser.h>
#include <charconv>
#include <iostream>

namespace rivet::ctl {
namespace {

const char* kSendUsage =
    R"(usage: rivetctl [--config FILE] send AGENT "task" [options]

Runs "task" on AGENT anywhere in the mesh, through the node of --config.
Without --follow or --detach it waits for the answer (POST /api/message) and prints it.

options:
  --timeout MS   the task's deadline in milliseconds (default 120000; with --follow or
                 --detach the node's tasks.default_timeout_ms, 10 minutes unless configured)
  --model M      ask the agent for model M
  --from NAME    the sender's name the agent sees (default rivetctl)
  --follow       submit as a task (POST /api/tasks) and show it live: the answer's text on
                 stdout as it streams, tool calls, status lines, delegations and states on
                 stderr, then the result. Ctrl-C cancels the task (a second Ctrl-C quits at
                 once). A dropped stream is resumed where it stopped.
  --detach       submit as a task that runs on without a watcher, print its id, exit 0
                 (then: rivetctl task ID, rivetctl cancel ID)
  --help         show this help

exit status: 0 completed, 1 failed, rejected, canceled or timed out (or the node refused),
             2 usage error, 3 node unreachable (--follow, --detach), 130 interrupted (Ctrl-C)
)";

int usage() {
  std::cerr << "usage: rivetctl [--config FILE] send AGENT \"task\" [--timeout MS] [--model M] "
               "[--from NAME] [--follow | --detach]; see rivetctl send --help\n";
  return kExitUsage;
}

// The fields /api/message and /api/tasks share, without the braces; no timeoutMs when it is 0.
std::string messageFields(const std::string& from, const std::string& message,
                          const std::string& agent, int64_t timeoutMs) {
  return "\"fromAgent\":" + util::jsonString(from) + ",\"message\":" + util::jsonString(message) +
         ",\"toAgent\":" + util::jsonString(agent) +
         (timeoutMs ? ",\"timeoutMs\":" + std::to_string(timeoutMs) : "");
}

// A whole number of milliseconds from 1 to 7 days, or 0 for anything else.
int64_t milliseconds(const std::string& text) {
  int64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  return ec == std::errc() && end == text.data() + text.size() && v > 0 && v <= 604800000 ? v : 0;
}

// POST /api/tasks; sent once more with the same idempotency key when the answer was lost, so
// the task never runs twice. Returns the exit code; `task` is the task object on kExitOk.
int submitTask(LocalNode& node, const std::string& body, sdk::json::Value& task) {
  ApiAnswer a = callNode(node, "POST", "/api/tasks", body, 15000, false);
  if (a.exit == kExitUnreachable)
    a = callNode(node, "POST", "/api/tasks", body, 15000);
  if (a.exit != kExitOk)
    return a.exit;
  if (a.status == 200 || a.status == 202) {
    task = std::move(a.json);
    if (field(task, "id").empty()) {
      std::cerr << "rivetctl: " << node.where << " answered the submit without a task id\n";
      return kExitFailed;
    }
    return kExitOk;
  }
  std::cerr << "rivetctl: " << node.where << " refused the task (HTTP " << a.status
            << "): " << refusal(a)
            << (a.status == 404   ? " (a node without the task API: send without --follow)"
                : a.status == 503 ? "; try again in a few seconds"
                                  : "")
            << "\n";
  return kExitFailed;
}

int sendMessage(LocalNode& node, const std::string& agent, const std::string& body,
                int64_t timeoutMs) {
  // The node's own deadline plus a margin for the answer to travel back.
  PeerAnswer a = node.client->call(node.host, node.port, node.verifyName, "POST", "/api/message",
                                   body, timeoutMs + 10000);
  if (a.result != RIVET_NET_OK) {
    std::cerr << "rivetctl: send to " << node.where << " failed: " << a.error << "\n";
    return 1;
  }
  auto obj = Poco::JSON::Parser().parse(a.body).extract<Poco::JSON::Object::Ptr>();
  if (a.status != 200) {
    std::cerr << "rivetctl: " << node.where << " answered HTTP " << a.status << ": "
              << obj->optValue<std::string>("error", a.body) << "\n";
    return 1;
  }
  std::string status = obj->optValue<std::string>("status", "completed");
  std::string response = obj->optValue<std::string>("response", "");
  if (status != "completed") {
    std::cerr << "rivetctl: " << agent << " " << status << ": " << response << "\n";
    return 1;
  }
  std::cout << response << "\n";
  return 0;
}

} // namespace

int sendCommand(const std::string& configPath, const std::vector<std::string>& args) {
  std::vector<std::string> positional;
  std::string model, from = "rivetctl";
  int64_t timeoutMs = 120000;
  bool follow = false, detach = false, timeoutGiven = false;
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--help" || args[i] == "-h") {
      std::cout << kSendUsage;
      return kExitOk;
    }
    if (args[i] == "--timeout" && i + 1 < args.size()) {
      timeoutMs = milliseconds(args[++i]);
      timeoutGiven = true;
    } else if (args[i] == "--model" && i + 1 < args.size())
      model = args[++i];
    else if (args[i] == "--from" && i + 1 < args.size())
      from = args[++i];
    else if (args[i] == "--follow")
      follow = true;
    else if (args[i] == "--detach")
      detach = true;
    else if (args[i].rfind("--", 0) == 0)
      return usage();
    else
      positional.push_back(args[i]);
  }
  if (positional.size() != 2 || positional[1].empty() || timeoutMs <= 0 || (follow && detach))
    return usage();

  LocalNode node;
  if (!openLocalNode(configPath, node))
    return 1;
  std::string body =
      "{" + messageFields(from, positional[1], positional[0],
                          follow || detach ? (timeoutGiven ? timeoutMs : 0) : timeoutMs);
  std::string modelField = model.empty() ? "" : ",\"model\":" + util::jsonString(model);
  try {
    if (!follow && !detach)
      return sendMessage(node, positional[0], body + ",\"waitForResponse\":true" + modelField + "}",
                         timeoutMs);
    body += modelField + ",\"idempotencyKey\":\"rivetctl-" + util::randomHex128("idempotency key") +
            "\",\"cancelOnDisconnect\":" + (follow ? "true" : "false") + "}";
    sdk::json::Value task;
    if (int rc = submitTask(node, body, task); rc != kExitOk)
      return rc;
    if (detach) {
      std::cout << field(task, "id") << "\n";
      return kExitOk;
    }
    return followTask(node, task);
  } catch (const std::exception& e) {
    std::cerr << "rivetctl: " << e.what() << "\n";
    return 1;
  }
}

} // namespace rivet::ctl
