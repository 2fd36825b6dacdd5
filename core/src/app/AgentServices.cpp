// Delegation, roster and credentials for agents and for the programs they run.
#include "app/AgentServices.hpp"

#include "log/Log.hpp"
#include "util/JsonText.hpp"

#include <Poco/JSON/Parser.h>

#include <cstddef>

namespace rivet::app {
namespace {

std::string failedJson(const std::string& text) {
  return "{\"status\":\"failed\",\"response\":" + util::jsonString(text) +
         ",\"agent\":\"\",\"durationMs\":0}";
}

// abi.h's request JSON; false and `problem` when it cannot be used.
bool parseRequest(std::string_view json, delegation::TaskRequest& task, std::string& problem) {
  Poco::JSON::Object::Ptr req;
  try {
    req = Poco::JSON::Parser().parse(std::string(json)).extract<Poco::JSON::Object::Ptr>();
  } catch (const std::exception&) {
    problem = "the delegation request must be a JSON object with toAgent and message";
    return false;
  }
  auto text = [&](const char* key, std::string& out, bool required) {
    if (!req->has(key) || req->isNull(key))
      return !required;
    if (!req->get(key).isString())
      return false;
    out = req->getValue<std::string>(key);
    return !required || !out.empty();
  };
  if (!text("toAgent", task.toAgent, true) || !text("message", task.task, true)) {
    problem = "the delegation request needs toAgent and message as non-empty strings";
    return false;
  }
  if (!text("model", task.model, false)) {
    problem = "model must be a string";
    return false;
  }
  task.timeoutMs = 120000;
  if (req->has("timeoutMs") && !req->isNull("timeoutMs")) {
    auto v = req->get("timeoutMs");
    double ms = v.isNumeric() ? v.convert<double>() : -1;
    if (!(ms >= 1 && ms <= 86400000)) {
      problem = "timeoutMs must be a positive number of milliseconds, at most 86400000 (24 h)";
      return false;
    }
    task.timeoutMs = static_cast<int64_t>(ms);
  }
  return true;
}

} // namespace

AgentServices::AgentServices(delegation::DelegationEngine& engine, std::string nodeName)
    : engine_(engine), nodeName_(std::move(nodeName)) {}

std::shared_ptr<plugin::TaskContext> AgentServices::liveTask(const rivet_task* current,
                                                             std::string& problem) {
  if (current->struct_size < offsetof(rivet_task, host_data) + sizeof(void*)) {
    problem = "the task struct passed is smaller than ABI 1.0's rivet_task";
    return nullptr;
  }
  auto task = engine_.liveTasks().find(current->host_data);
  if (!task)
    problem = "the task passed is not one this agent is running now (it ended, or it is not a "
              "task the host handed to handle()); pass handle()'s task while handle() runs";
  return task;
}

rivet_task_status AgentServices::delegateAs(const std::string& caller,
                                            const std::shared_ptr<plugin::TaskContext>& parent,
                                            std::string_view requestJson, std::string& resultJson) {
  delegation::TaskRequest task;
  std::string problem;
  if (!parseRequest(requestJson, task, problem)) {
    resultJson = failedJson("delegate(): " + problem);
    return RIVET_TASK_FAILED;
  }
  task.fromAgent = parent ? parent->agentId : caller;
  task.fromNode = nodeName_;
  if (parent)
    task.path = parent->path;
  task.path.push_back(task.fromAgent + "@" + nodeName_);
  task.chainDepth = (parent ? parent->depth : 0) + 1;
  task.parent = parent;
  delegation::Outcome out = engine_.delegate(task);
  if (out.httpStatus != 0) // busy or no agents: an agent sees a failed result
    out.status = RIVET_TASK_FAILED;
  resultJson =
      "{\"status\":\"" + std::string(delegation::DelegationEngine::statusName(out.status)) +
      "\",\"response\":" + util::jsonString(out.text) +
      ",\"agent\":" + util::jsonString(out.agent) +
      ",\"durationMs\":" + std::to_string(out.durationMs) +
      (out.requestedAgent.empty() ? std::string()
                                  : ",\"requestedAgent\":" + util::jsonString(out.requestedAgent)) +
      "}";
  return out.status;
}

rivet_task_status AgentServices::delegate(std::string_view caller, const rivet_task* current,
                                          std::string_view requestJson, std::string& resultJson) {
  std::shared_ptr<plugin::TaskContext> parent;
  if (current) {
    std::string problem;
    parent = liveTask(current, problem);
    if (!parent) {
      resultJson = failedJson("delegate(): " + problem);
      return RIVET_TASK_FAILED;
    }
  }
  return delegateAs(std::string(caller), parent, requestJson, resultJson);
}

std::string AgentServices::roster(std::string_view caller, const rivet_task* current) {
  std::shared_ptr<plugin::TaskContext> task;
  if (current) {
    std::string problem;
    task = liveTask(current, problem);
    if (!task)
      return R"({"chainDepth":0,"maxChainDepth":0,"canDelegate":false,"refusal":)" +
             util::jsonString("roster(): " + problem) + R"(,"agents":[]})";
  }
  return engine_.roster(task ? task->agentId : std::string(caller), task.get());
}

bool AgentServices::taskCredential(std::string_view, const rivet_task* current, std::string& out) {
  if (!socket_ || socket_->path().empty()) {
    out = "this node has no delegation socket (see the WARN at start-up about mesh.state_dir)";
    return false;
  }
  if (!current) {
    out = "task_credential() needs the task being handled";
    return false;
  }
  std::string problem;
  auto task = liveTask(current, problem);
  if (!task) {
    out = "task_credential(): " + problem;
    return false;
  }
  std::string token = engine_.liveTasks().issueToken(task.get());
  if (token.empty()) {
    out = "task_credential(): the task has ended";
    return false;
  }
  out = "{\"socket\":" + util::jsonString(socket_->path()) +
        ",\"token\":" + util::jsonString(token) + "}";
  return true;
}

bool AgentServices::progress(const rivet_task* current, std::string_view kind,
                             std::string_view text) {
  if (!current || (kind != "text" && kind != "tool" && kind != "status"))
    return false;
  std::string problem;
  auto task = liveTask(current, problem);
  if (!task)
    return false;
  if (task->observer) // abi.h: 4096 bytes of one call are kept
    task->observer->progress(*task, kind, util::utf8Bytes(text, 4096));
  return true;
}

void AgentServices::startSocket(const std::string& stateDir) {
  DelegateHandlers h;
  h.findTask = [this](const std::string& token) { return engine_.liveTasks().byToken(token); };
  h.delegate = [this](const std::shared_ptr<plugin::TaskContext>& task, std::string_view body) {
    std::string result;
    delegateAs(task->agentId, task, body, result);
    return result;
  };
  h.roster = [this](const std::shared_ptr<plugin::TaskContext>& task) {
    return engine_.roster(task->agentId, task.get());
  };
  socket_ = std::make_unique<DelegateSocket>(stateDir, nodeName_, std::move(h));
  try {
    socket_->start();
    log::get("Node")->info("Delegation socket for agents' programs at {}", socket_->path());
  } catch (const std::exception& e) {
    log::get("Node")->warn("programs run by agents cannot delegate (rivetctl delegate): {}",
                           e.what());
  }
}

void AgentServices::stopSocket() {
  if (socket_)
    socket_->stop();
}

} // namespace rivet::app
