// `send` without options: the RivetOS message body through /api/message, the answer printed;
// exit 0 only for `completed`. `--follow` and `--detach` submit through /api/tasks instead.
#include "SendCommand.hpp"

#include "LocalNode.hpp"
#include "StdinTask.hpp"
#include "TaskFollow.hpp"
#include "util/JsonText.hpp"
#include "util/RandomHex.hpp"

#include <Poco/JSON/Parser.h>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <iostream>

namespace rivet::ctl {
namespace {

const char* kSendUsage =
    R"(usage: rivetctl [--config FILE] send AGENT "task" [options]
       rivetctl [--config FILE] send AGENT - [options]

Runs "task" on AGENT anywhere in the mesh, through the node of --config.
With - the task is read from stdin (at most 10 MiB; it must not be empty).
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
  --json         print the node's answer as JSON instead of the text: without --follow the
                 /api/message answer ({"status","response",...}), with --detach the task
                 object (not with --follow)
  --help         show this help

exit status: 0 completed, 1 failed, rejected, canceled or timed out (or the node refused),
             2 usage error, 3 node unreachable (--follow, --detach), 130 interrupted (Ctrl-C)
)";

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
                int64_t timeoutMs, bool json) {
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
  if (json) {
    std::cout << a.body << "\n";
    return status == "completed" ? 0 : 1;
  }
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
  bool follow = false, detach = false, timeoutGiven = false, json = false;
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--help" || args[i] == "-h") {
      std::cout << kSendUsage;
      return kExitOk;
    }
    const std::string& a = args[i];
    if ((a == "--timeout" || a == "--model" || a == "--from") && i + 1 >= args.size())
      return usageError("send", a + " needs a value");
    if (a == "--timeout") {
      timeoutMs = milliseconds(args[++i]);
      timeoutGiven = true;
      if (timeoutMs <= 0)
        return usageError("send", "--timeout needs milliseconds from 1 to 604800000 (7 days), "
                                  "not '" +
                                      printable(args[i]) + "'");
    } else if (a == "--model")
      model = args[++i];
    else if (a == "--from")
      from = args[++i];
    else if (a == "--follow")
      follow = true;
    else if (a == "--detach")
      detach = true;
    else if (a == "--json")
      json = true;
    else if (a.rfind("--", 0) == 0)
      return usageError("send", "unknown option '" + printable(a) + "'");
    else
      positional.push_back(a);
  }
  if (positional.empty())
    return usageError("send", "no agent given: rivetctl send AGENT \"task\"");
  if (positional.size() == 1)
    return usageError("send", "no task given for " + printable(positional[0]) +
                                  ": give it as the second argument, or - to read it from stdin");
  if (positional.size() > 2)
    return usageError("send", "too many arguments (the task is one argument: quote it)");
  if (positional[0].empty())
    return usageError("send", "the agent name is empty");
  if (positional[1].empty())
    return usageError("send", "the task is empty");
  if (follow && detach)
    return usageError("send", "--follow and --detach exclude each other");
  if (follow && json)
    return usageError("send", "--json does not go with --follow (the answer streams as text); "
                              "use --detach --json, then rivetctl task ID --json");
  if (positional[1] == "-")
    if (int rc = readStdinTask("send", positional[1]); rc != kExitOk)
      return rc;

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
                         timeoutMs, json);
    body += modelField + ",\"idempotencyKey\":\"rivetctl-" + util::randomHex128("idempotency key") +
            "\",\"cancelOnDisconnect\":" + (follow ? "true" : "false") + "}";
    sdk::json::Value task;
    if (int rc = submitTask(node, body, task); rc != kExitOk)
      return rc;
    if (detach) {
      std::cout << (json ? task.dump() : field(task, "id")) << "\n";
      return kExitOk;
    }
    return followTask(node, task);
  } catch (const std::exception& e) {
    std::cerr << "rivetctl: " << e.what() << "\n";
    return 1;
  }
}

} // namespace rivet::ctl
