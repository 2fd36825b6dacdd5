// One HTTP exchange over the node's Unix socket; the answer printed as `send` prints it.
#include "DelegateCommand.hpp"

#include "StdinTask.hpp"

#include "LocalNode.hpp"

#include "util/JsonText.hpp"

#include <Poco/JSON/Parser.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/StreamCopier.h>

#include <cstdlib>
#include <iostream>
#include <iterator>

namespace rivet::ctl {
namespace {

const char* kUsage = R"(usage: rivetctl delegate AGENT ["task"|-] [--timeout MS] [--model M]
       rivetctl delegate --roster

Runs inside a task of a command agent (it needs RIVET_DELEGATE_SOCKET and RIVET_TASK_TOKEN,
which the node sets for the task's program): delegates a task to AGENT as part of that task
(depth, path and deadline carry over) and prints the answer. Without a task, or with -, the
task is read from stdin (at most 10 MiB).

options:
  --timeout MS   the delegated task's deadline in milliseconds (default: what is left of the
                 task's own)
  --model M      ask the agent for model M
  --roster       print the agents this task may delegate to now (JSON)
  --help         show this help

exit status: 0 completed, 1 failed or refused, 2 usage error (or not inside a task)
)";

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

} // namespace

int delegateCommand(const std::vector<std::string>& args) {
  std::vector<std::string> positional;
  std::string model;
  int64_t timeoutMs = 0;
  bool roster = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if ((a == "--timeout" || a == "--model") && i + 1 >= args.size())
      return usageError("delegate", a + " needs a value");
    if (a == "--timeout") {
      const std::string& v = args[++i];
      timeoutMs = v.size() <= 12 && !v.empty() && v.find_first_not_of("0123456789") == v.npos
                      ? std::atoll(v.c_str())
                      : -1;
      if (timeoutMs < 0)
        return usageError("delegate", "--timeout needs milliseconds, not '" + printable(v) + "'");
    } else if (a == "--model")
      model = args[++i];
    else if (a == "--roster")
      roster = true;
    else if (a == "--help" || a == "-h") {
      std::cout << kUsage;
      return 0;
    } else if (a.rfind("--", 0) == 0)
      return usageError("delegate", "unknown option '" + printable(a) + "'");
    else
      positional.push_back(a);
  }
  if (roster && !positional.empty())
    return usageError("delegate", "--roster takes no agent or task");
  if (!roster && positional.empty())
    return usageError("delegate", "no agent given");
  if (positional.size() > 2)
    return usageError("delegate", "too many arguments (the task is one argument: quote it)");
  if (!roster && positional[0].empty())
    return usageError("delegate", "the agent name is empty");
  const std::string socket = env("RIVET_DELEGATE_SOCKET"), token = env("RIVET_TASK_TOKEN");
  if (socket.empty() || token.empty()) {
    std::cerr << "rivetctl delegate: RIVET_DELEGATE_SOCKET and RIVET_TASK_TOKEN are not set: it "
                 "works only inside a task that a command agent runs (from anywhere else, use "
                 "rivetctl send)\n";
    return 2;
  }
  std::string body;
  if (!roster) {
    std::string task;
    if (positional.size() == 2 && positional[1] != "-")
      task = positional[1];
    else if (int rc = readStdinTask("delegate", task); rc != 0)
      return rc;
    if (task.empty()) {
      std::cerr << "rivetctl delegate: the task is empty\n";
      return 2;
    }
    body = "{\"toAgent\":" + util::jsonString(positional[0]) +
           ",\"message\":" + util::jsonString(task);
    if (timeoutMs > 0)
      body += ",\"timeoutMs\":" + std::to_string(timeoutMs);
    if (!model.empty())
      body += ",\"model\":" + util::jsonString(model);
    body += "}";
  }
  try {
    Poco::Net::StreamSocket s(
        Poco::Net::SocketAddress(Poco::Net::SocketAddress::UNIX_LOCAL, socket));
    Poco::Net::HTTPClientSession session(s);
    session.setTimeout(Poco::Timespan(24 * 3600, 0)); // the node enforces the task's deadline
    Poco::Net::HTTPRequest req(roster ? "GET" : "POST", roster ? "/api/roster" : "/api/delegate",
                               Poco::Net::HTTPMessage::HTTP_1_1);
    req.setHost("rivetd");
    req.set("Authorization", "Bearer " + token);
    req.setContentType("application/json");
    req.setContentLength(static_cast<std::streamsize>(body.size()));
    session.sendRequest(req) << body;
    Poco::Net::HTTPResponse resp;
    std::string answer;
    Poco::StreamCopier::copyToString(session.receiveResponse(resp), answer);
    auto obj = Poco::JSON::Parser().parse(answer).extract<Poco::JSON::Object::Ptr>();
    if (resp.getStatus() != Poco::Net::HTTPResponse::HTTP_OK) {
      std::cerr << "rivetctl delegate: the node answered HTTP "
                << static_cast<int>(resp.getStatus()) << ": "
                << obj->optValue<std::string>("error", answer) << "\n";
      return 1;
    }
    if (roster) {
      std::cout << answer << "\n";
      return 0;
    }
    std::string status = obj->optValue<std::string>("status", "failed");
    std::string response = obj->optValue<std::string>("response", "");
    if (status != "completed") {
      std::cerr << "rivetctl delegate: " << positional[0] << " " << status << ": " << response
                << "\n";
      return 1;
    }
    std::cout << response << "\n";
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "rivetctl delegate: no answer through " << socket << ": " << e.what()
              << " (is the task still running?)\n";
    return 1;
  }
}

} // namespace rivet::ctl
