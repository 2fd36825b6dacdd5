// Options, requests and the text views (a table, one task, a tree across nodes); --json prints
// the node's answer as it came.
#include "TaskCommands.hpp"

#include "LocalNode.hpp"
#include "TimeText.hpp"

#include <cctype>
#include <cstdio>
#include <iostream>

namespace rivet::ctl {
namespace {

namespace json = sdk::json;

const char* kTasksUsage = R"(usage: rivetctl [--config FILE] tasks [--state S] [--limit N] [--json]

Lists the tasks of the node of --config, newest first: id, state, agent, node, age, caller.

options:
  --state S   only tasks in state S: submitted, working, input-required, completed, failed,
              canceled, rejected
  --limit N   at most N tasks, 1 to 1000 (default 100)
  --json      print the node's answer ({"tasks":[...]}) instead of the table
  --help      show this help

exit status: 0 listed, 1 the node refused, 2 usage error, 3 node unreachable
)";

const char* kTaskUsage = R"(usage: rivetctl [--config FILE] task ID [--tree] [--json]

Shows one task of the node of --config: state, agent, caller, times, result, children.

options:
  --tree      the tree of tasks it started on other nodes, read from each node, with the
              state of every task
  --json      print the node's answer (the task object) instead of the text
  --help      show this help

exit status: 0 shown, 1 no such task (or the node refused), 2 usage error, 3 node unreachable
)";

const char* kCancelUsage = R"(usage: rivetctl [--config FILE] cancel ID [--json]

Cancels a running task of the node of --config; the node cancels the tasks it started on
other nodes too. Waits until the task has ended (up to 3 s) and prints its state.

options:
  --json      print the node's answer (the task object) instead of the line
  --help      show this help

exit status: 0 the task is canceled, 1 it had ended already in another state, is still
             running, or does not exist, 2 usage error, 3 node unreachable
)";

const char* const kStates[] = {"submitted", "working",  "input-required", "completed",
                               "failed",    "canceled", "rejected"};

struct Options {
  std::string id, state;
  int limit = 0;
  bool json = false, tree = false;
};

// A task id as the API writes them (hex), or any plain token: it goes into a path.
bool plainId(const std::string& id) {
  if (id.empty() || id.size() > 128)
    return false;
  for (char c : id)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_')
      return false;
  return true;
}

// Returns -1 when the options are fine, else the exit code (help printed, or a usage error).
int parse(const std::string& command, const std::vector<std::string>& args, Options& o) {
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    bool hasValue = i + 1 < args.size();
    if (a == "--help" || a == "-h") {
      std::cout << (command == "tasks"  ? kTasksUsage
                    : command == "task" ? kTaskUsage
                                        : kCancelUsage);
      return kExitOk;
    }
    if (a == "--json") {
      o.json = true;
    } else if (command == "task" && a == "--tree") {
      o.tree = true;
    } else if (command == "tasks" && a == "--state") {
      if (!hasValue)
        return usageError(command, "--state needs a state");
      o.state = args[++i];
      bool known = false;
      for (const char* s : kStates)
        known = known || o.state == s;
      if (!known)
        return usageError(command, "unknown state '" + printable(o.state) +
                                       "' (submitted, working, input-required, completed, "
                                       "failed, canceled, rejected)");
    } else if (command == "tasks" && a == "--limit") {
      if (!hasValue)
        return usageError(command, "--limit needs a number");
      const std::string& n = args[++i];
      o.limit =
          n.size() <= 4 && !n.empty() && n.find_first_not_of("0123456789") == std::string::npos
              ? std::stoi(n)
              : 0;
      if (o.limit < 1 || o.limit > 1000)
        return usageError(command, "--limit must be 1 to 1000, not '" + printable(n) + "'");
    } else if (a.rfind("-", 0) == 0) {
      return usageError(command, "unknown option '" + printable(a) + "'");
    } else if (command != "tasks" && o.id.empty()) {
      if (!plainId(a))
        return usageError(command, "'" + printable(a) + "' is not a task id");
      o.id = a;
    } else {
      return usageError(command, "unexpected argument '" + printable(a) + "'");
    }
  }
  if (command != "tasks" && o.id.empty())
    return usageError(command, "which task? pass its id (rivetctl tasks lists them)");
  return -1;
}

std::string duration(const json::Value& task) {
  const json::Value* r = task.find("result");
  if (!r || !r->isObject() || !r->getInteger("durationMs"))
    return "";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1fs", static_cast<double>(*r->getInteger("durationMs")) / 1000);
  return buf;
}

std::string oneLine(const json::Value& t) {
  std::string line = field(t, "id", "?") + "  " + field(t, "state", "?") + "  " +
                     field(t, "agent", "?") + "@" + field(t, "node", "?");
  std::string d = duration(t);
  return d.empty() ? line : line + "  " + d;
}

// The tree of ?tree=true: one line per task, children below their parent.
void drawTree(const json::Value& task, const std::string& prefix) {
  const json::Value* children = task.find("children");
  if (!children || !children->isArray())
    return;
  const auto& items = children->items();
  for (size_t i = 0; i < items.size(); ++i) {
    const json::Value& c = items[i];
    bool last = i + 1 == items.size();
    std::string head = prefix + (last ? "`- " : "|- ");
    const json::Value* sub = c.isObject() ? c.find("task") : nullptr;
    if (sub && sub->isObject()) {
      std::cout << head << oneLine(*sub) << "\n";
      drawTree(*sub, prefix + (last ? "   " : "|  "));
    } else {
      std::cout << head << field(c, "taskId", "?") << "  ?  " << field(c, "agent", "?") << "@"
                << field(c, "node", "?") << "  (not read: " << field(c, "error", "no answer")
                << ")\n";
    }
  }
}

void showTask(const json::Value& t) {
  int64_t now = epochMs();
  auto when = [&](const char* key) {
    int64_t ms = t.getInteger(key).value_or(0);
    return isoTime(ms) + " (" + age(now, ms) + ")";
  };
  std::printf("id          %s\n", field(t, "id", "?").c_str());
  std::printf("state       %s\n", field(t, "state", "?").c_str());
  std::printf("agent       %s@%s\n", field(t, "agent", "?").c_str(), field(t, "node", "?").c_str());
  std::printf("caller      %s\n", field(t, "caller", "?").c_str());
  std::printf("trace       %s\n", field(t, "traceId", "-").c_str());
  std::printf("created     %s\n", when("createdMs").c_str());
  if (t.getInteger("endedMs"))
    std::printf("ended       %s\n", when("endedMs").c_str());
  if (!field(t, "canceledBy").empty())
    std::printf("canceled by %s\n", field(t, "canceledBy").c_str());
  const json::Value* children = t.find("children");
  if (children && children->isArray())
    for (const auto& c : children->items())
      std::printf("child       %s on %s@%s\n", field(c, "taskId", "?").c_str(),
                  field(c, "agent", "?").c_str(), field(c, "node", "?").c_str());
  const json::Value* r = t.find("result");
  if (r && r->isObject()) {
    std::string d = duration(t);
    std::printf("result      %s%s\n", field(*r, "status", "?").c_str(),
                d.empty() ? "" : (" in " + d).c_str());
    auto response = r->getString("response");
    std::printf("%s\n", printable(response.value_or(""), true).c_str());
  }
}

int listTasks(LocalNode& node, const Options& o) {
  std::string path = "/api/tasks";
  std::string sep = "?";
  if (!o.state.empty()) {
    path += sep + "state=" + o.state;
    sep = "&";
  }
  if (o.limit)
    path += sep + "limit=" + std::to_string(o.limit);
  ApiAnswer a = callNode(node, "GET", path, "", 15000);
  if (a.exit != kExitOk)
    return a.exit;
  const json::Value* tasks = a.json.find("tasks");
  if (a.status != 200 || !tasks || !tasks->isArray()) {
    std::cerr << "rivetctl: " << node.where << " answered GET " << path << " with HTTP " << a.status
              << ": " << refusal(a) << "\n";
    return kExitFailed;
  }
  if (o.json) {
    std::cout << a.body << "\n";
    return kExitOk;
  }
  int64_t now = epochMs();
  std::printf("%-32s  %-14s  %-20s  %-16s  %-9s  %s\n", "ID", "STATE", "AGENT", "NODE", "AGE",
              "CALLER");
  for (const auto& t : tasks->items())
    std::printf("%-32s  %-14s  %-20s  %-16s  %-9s  %s\n", field(t, "id", "?").c_str(),
                field(t, "state", "?").c_str(), field(t, "agent", "?").c_str(),
                field(t, "node", "?").c_str(),
                age(now, t.getInteger("createdMs").value_or(0)).c_str(),
                field(t, "caller", "?").c_str());
  std::printf("%zu task%s on %s\n", tasks->items().size(), tasks->items().size() == 1 ? "" : "s",
              node.where.c_str());
  return kExitOk;
}

int oneTask(LocalNode& node, const std::string& command, const Options& o) {
  bool cancel = command == "cancel";
  std::string path = "/api/tasks/" + o.id + (cancel ? "/cancel" : o.tree ? "?tree=true" : "");
  // A tree reads up to 32 children per task, 5 s each, on every level.
  ApiAnswer a = callNode(node, cancel ? "POST" : "GET", path, "", o.tree ? 120000 : 15000);
  if (a.exit != kExitOk)
    return a.exit;
  if (a.status != 200) {
    std::cerr << "rivetctl: "
              << (a.status == 404 ? "no task " + o.id + " on " + node.where
                                  : node.where + " answered HTTP " + std::to_string(a.status))
              << ": " << refusal(a) << "\n";
    return kExitFailed;
  }
  std::string state = field(a.json, "state", "?");
  if (o.json)
    std::cout << a.body << "\n";
  if (cancel) {
    if (!o.json)
      std::cout << "task " << o.id << " " << state
                << (field(a.json, "canceledBy").empty() ? "" : " by " + field(a.json, "canceledBy"))
                << "\n";
    if (state == "canceled")
      return kExitOk;
    std::cerr << "rivetctl: task " << o.id << " is " << state
              << (state == "submitted" || state == "working"
                      ? ": it did not end within the node's wait; see rivetctl task " + o.id
                      : ": it had ended already; nothing to cancel")
              << "\n";
    return kExitFailed;
  }
  if (!o.json && o.tree) {
    std::cout << oneLine(a.json) << "\n";
    drawTree(a.json, "");
  } else if (!o.json) {
    showTask(a.json);
  }
  return kExitOk;
}

} // namespace

int taskCommand(const std::string& command, const std::string& configPath,
                const std::vector<std::string>& args) {
  Options o;
  if (int rc = parse(command, args, o); rc >= 0)
    return rc;
  LocalNode node;
  if (!openLocalNode(configPath, node))
    return kExitFailed;
  return command == "tasks" ? listTasks(node, o) : oneTask(node, command, o);
}

} // namespace rivet::ctl
