// The A2A 1.0 results read: {"task"}, {"message"}, {"statusUpdate"}, {"artifactUpdate"} (and a
// bare Task from GetTask); states by their proto names (or numbers); text parts {"text": ...}.
#include "TaskEvents.hpp"

#include "ProgressReport.hpp"

namespace rivet::a2a {
namespace {

namespace json = sdk::json;
using llm::StreamError;

// The first characters of `text`, for messages.
std::string excerpt(const std::string& text) {
  std::string e = llm::ProgressReport::firstCharacters(text, 200);
  return e.size() < text.size() ? e + "..." : e;
}

TaskState parseState(const json::Value* v) {
  static const std::pair<const char*, TaskState> names[] = {
      {"TASK_STATE_SUBMITTED", TaskState::Submitted},
      {"TASK_STATE_WORKING", TaskState::Working},
      {"TASK_STATE_COMPLETED", TaskState::Completed},
      {"TASK_STATE_FAILED", TaskState::Failed},
      {"TASK_STATE_CANCELED", TaskState::Canceled},
      {"TASK_STATE_INPUT_REQUIRED", TaskState::InputRequired},
      {"TASK_STATE_REJECTED", TaskState::Rejected},
      {"TASK_STATE_AUTH_REQUIRED", TaskState::AuthRequired}};
  if (!v)
    return TaskState::Unknown;
  if (v->isString()) {
    for (const auto& [name, state] : names)
      if (v->asString() == name)
        return state;
    return TaskState::Unknown;
  }
  if (v->isNumber()) { // proto JSON also allows the enum's number: SUBMITTED = 1 ... AUTH = 8
    static const TaskState byNumber[] = {
        TaskState::Unknown,       TaskState::Submitted, TaskState::Working,
        TaskState::Completed,     TaskState::Failed,    TaskState::Canceled,
        TaskState::InputRequired, TaskState::Rejected,  TaskState::AuthRequired};
    double n = v->asNumber();
    if (n >= 0 && n <= 8 && n == static_cast<int>(n))
      return byNumber[static_cast<int>(n)];
  }
  return TaskState::Unknown;
}

// The text parts of `parts` (an array of Part), joined.
std::string textOf(const json::Value* parts) {
  std::string text;
  if (!parts || !parts->isArray())
    return text;
  for (const auto& part : parts->items())
    if (part.isObject())
      if (auto t = part.getString("text"))
        text += *t;
  return text;
}

std::string messageText(const json::Value* message) {
  return message && message->isObject() ? textOf(message->find("parts")) : "";
}

const json::Value& object(const json::Value& parent, const char* key, const char* what) {
  const json::Value* v = parent.find(key);
  if (!v || !v->isObject())
    throw StreamError(std::string(what) + " has no " + key + " object");
  return *v;
}

} // namespace

const char* stateName(TaskState s) {
  switch (s) {
  case TaskState::Submitted:
    return "TASK_STATE_SUBMITTED";
  case TaskState::Working:
    return "TASK_STATE_WORKING";
  case TaskState::Completed:
    return "TASK_STATE_COMPLETED";
  case TaskState::Failed:
    return "TASK_STATE_FAILED";
  case TaskState::Canceled:
    return "TASK_STATE_CANCELED";
  case TaskState::Rejected:
    return "TASK_STATE_REJECTED";
  case TaskState::InputRequired:
    return "TASK_STATE_INPUT_REQUIRED";
  case TaskState::AuthRequired:
    return "TASK_STATE_AUTH_REQUIRED";
  default:
    return "no known state";
  }
}

bool isFinal(TaskState s) {
  return s == TaskState::Completed || s == TaskState::Failed || s == TaskState::Canceled ||
         s == TaskState::Rejected || s == TaskState::InputRequired || s == TaskState::AuthRequired;
}

json::Value TaskEvents::result(const std::string& text, const std::string& id, bool event) {
  if (event && ++responses_ > kMaxEvents)
    throw StreamError("it sent more than " + std::to_string(kMaxEvents) + " events for one task");
  if (text.size() > kMaxResponseBytes)
    throw StreamError("a response is larger than 8 MiB");
  json::Value r;
  try {
    r = json::parse(text);
  } catch (const json::ParseError& e) {
    throw StreamError("a response is not JSON (" + std::string(e.what()) + "): " + excerpt(text));
  }
  if (!r.isObject())
    throw StreamError("a response is not a JSON-RPC object: " + excerpt(text));
  const json::Value* rid = r.find("id");
  if (const json::Value* error = r.find("error"); error && error->isObject()) {
    auto code = error->getInteger("code");
    std::string hint;
    if (code == -32009 || code == -32601)
      hint = " (the endpoint may not speak A2A 1.0 over JSON-RPC, which this plugin needs)";
    else if (code == -32001)
      hint = " (the remote agent does not know the task)";
    throw StreamError("it answered with JSON-RPC error " +
                      (code ? std::to_string(*code) : std::string("without a code")) + ": " +
                      excerpt(error->getString("message").value_or("(no message)")) + hint);
  }
  if (!rid || !rid->isString() || rid->asString() != id)
    throw StreamError("a response answers request id " + (rid ? rid->dump() : "(none)") +
                      " instead of \"" + id + "\"");
  const json::Value* res = r.find("result");
  if (!res || !res->isObject())
    throw StreamError("a response has neither a result object nor an error");
  return *res;
}

void TaskEvents::response(const std::string& text, const std::string& id) {
  json::Value res = result(text, id, true);
  if (const json::Value* t = res.find("task"))
    task(t->isObject() ? *t : throw StreamError("its task is not an object"));
  else if (const json::Value* m = res.find("message"))
    message(m->isObject() ? *m : throw StreamError("its message is not an object"));
  else if (const json::Value* s = res.find("statusUpdate")) {
    if (!s->isObject())
      throw StreamError("its statusUpdate is not an object");
    sameTask(s->getString("taskId").value_or(""));
    status(object(*s, "status", "a statusUpdate"));
  } else if (const json::Value* a = res.find("artifactUpdate")) {
    if (!a->isObject())
      throw StreamError("its artifactUpdate is not an object");
    artifactUpdate(*a);
  } else {
    throw StreamError("a result is none of task, message, statusUpdate, artifactUpdate: " +
                      excerpt(res.dump()));
  }
}

void TaskEvents::taskResponse(const std::string& text, const std::string& id) {
  json::Value res = result(text, id, false);
  if (const json::Value* t = res.find("task"); t && t->isObject())
    task(*t); // tolerated: a Task wrapped like a SendMessage result
  else
    task(res);
}

void TaskEvents::sameTask(const std::string& id) {
  if (id.empty())
    throw StreamError("an event names no taskId");
  if (taskId_.empty())
    taskId_ = id;
  else if (id != taskId_)
    throw StreamError("an event switched from task " + excerpt(taskId_) + " to task " +
                      excerpt(id));
}

void TaskEvents::task(const json::Value& t) {
  sameTask(t.getString("id").value_or(""));
  if (const json::Value* artifacts = t.find("artifacts"); artifacts && artifacts->isArray()) {
    std::vector<std::pair<std::string, std::string>> fresh; // a Task is the whole state
    size_t bytes = 0;
    for (const auto& a : artifacts->items()) {
      if (!a.isObject())
        continue;
      std::string text = textOf(a.find("parts"));
      bytes += text.size();
      if (bytes > kMaxAnswerBytes)
        throw StreamError("its answer is larger than 4 MiB");
      fresh.emplace_back(a.getString("artifactId").value_or(""), std::move(text));
    }
    if (!fresh.empty()) {
      artifacts_ = std::move(fresh);
      answerBytes_ = bytes;
    }
  }
  if (const json::Value* s = t.find("status"); s && s->isObject())
    status(*s);
}

void TaskEvents::status(const json::Value& s) {
  if (finished_)
    return; // after the final state nothing changes the outcome
  state_ = parseState(s.find("state"));
  std::string text = messageText(s.find("message"));
  if (!text.empty()) {
    statusText_ = text;
    if (text != reportedText_ && !isFinal(state_)) {
      reportedText_ = text;
      report_("status", text);
    }
  }
  finished_ = isFinal(state_);
}

void TaskEvents::artifactUpdate(const sdk::json::Value& update) {
  sameTask(update.getString("taskId").value_or(""));
  const json::Value& artifact = object(update, "artifact", "an artifactUpdate");
  std::string text = textOf(artifact.find("parts"));
  bool append = update.getBool("append").value_or(false);
  setArtifact(artifact.getString("artifactId").value_or(""), text, append);
  if (!text.empty())
    report_("text", text);
}

void TaskEvents::setArtifact(const std::string& id, std::string text, bool append) {
  for (auto& [known, have] : artifacts_) {
    if (known != id)
      continue;
    answerBytes_ -= append ? 0 : have.size();
    if (answerBytes_ + text.size() > kMaxAnswerBytes)
      throw StreamError("its answer is larger than 4 MiB");
    answerBytes_ += text.size();
    have = append ? have + text : std::move(text);
    return;
  }
  if (answerBytes_ + text.size() > kMaxAnswerBytes)
    throw StreamError("its answer is larger than 4 MiB");
  answerBytes_ += text.size();
  artifacts_.emplace_back(id, std::move(text));
}

void TaskEvents::message(const sdk::json::Value& m) {
  std::string text = messageText(&m);
  if (text.size() > kMaxAnswerBytes)
    throw StreamError("its answer is larger than 4 MiB");
  if (!taskId_.empty()) { // a message inside a task's stream: a note on its progress
    if (!text.empty())
      report_("status", text);
    return;
  }
  messageText_ = std::move(text); // a Message instead of a task: the whole answer
  messageAnswer_ = true;
  finished_ = true;
  state_ = TaskState::Completed;
}

std::string TaskEvents::answer() const {
  if (messageAnswer_)
    return messageText_;
  std::string all;
  for (const auto& [id, text] : artifacts_) {
    if (text.empty())
      continue;
    all += (all.empty() ? "" : "\n") + text;
  }
  return all.empty() ? statusText_ : all;
}

sdk::TaskResult TaskEvents::outcome(const std::string& who) const {
  const std::string why = statusText_.empty() ? "it gave no reason" : statusText_;
  switch (state_) {
  case TaskState::Completed:
    return sdk::TaskResult::completed(answer());
  case TaskState::Failed:
  case TaskState::Rejected:
    return sdk::TaskResult::failed(who + (state_ == TaskState::Failed ? " failed" : " rejected") +
                                   " the task (" + stateName(state_) + "): " + why);
  case TaskState::Canceled:
    return sdk::TaskResult::failed("canceled: " + who + " canceled the task (" + stateName(state_) +
                                   "): " + why);
  case TaskState::InputRequired:
  case TaskState::AuthRequired:
    return sdk::TaskResult::failed(
        who + " asks for " + (state_ == TaskState::InputRequired ? "more input" : "authorization") +
        " (" + stateName(state_) + ": " + why +
        "); the a2a plugin sends one message per task and does not support multi-turn "
        "conversations, so the remote task was canceled: put everything the agent needs into "
        "the task" +
        (state_ == TaskState::AuthRequired ? ", or give it the credentials it wants" : ""));
  default:
    return sdk::TaskResult::failed(
        who + " ended without a final state (last: " + stateName(state_) + ")");
  }
}

} // namespace rivet::a2a
