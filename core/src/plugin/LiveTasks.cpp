// Registration of running tasks and their credentials.
#include "plugin/LiveTasks.hpp"

#include "util/RandomHex.hpp"

#include <stdexcept>

namespace rivet::plugin {
namespace {

std::string randomToken() {
  return util::randomHex128("a task credential");
}

} // namespace

LiveTasks::Scope::Scope(LiveTasks& live, std::shared_ptr<TaskContext> task)
    : live_(live), key_(task.get()) {
  std::lock_guard<std::mutex> lock(live_.mutex_);
  live_.tasks_[key_] = Entry{std::move(task), {}};
}

LiveTasks::Scope::~Scope() {
  std::lock_guard<std::mutex> lock(live_.mutex_);
  auto it = live_.tasks_.find(key_);
  if (it == live_.tasks_.end())
    return;
  if (!it->second.token.empty())
    live_.tokens_.erase(it->second.token);
  live_.tasks_.erase(it);
}

std::shared_ptr<TaskContext> LiveTasks::find(const void* hostData) const {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = tasks_.find(static_cast<const TaskContext*>(hostData));
  return it == tasks_.end() ? nullptr : it->second.task;
}

std::string LiveTasks::issueToken(const TaskContext* task) {
  std::string token = randomToken();
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = tasks_.find(task);
  if (it == tasks_.end())
    return "";
  if (!it->second.token.empty())
    return it->second.token; // one credential per task
  it->second.token = token;
  tokens_[token] = task;
  return token;
}

std::shared_ptr<TaskContext> LiveTasks::byToken(const std::string& token) const {
  std::lock_guard<std::mutex> lock(mutex_);
  auto t = tokens_.find(token);
  if (t == tokens_.end())
    return nullptr;
  auto it = tasks_.find(t->second);
  return it == tasks_.end() ? nullptr : it->second.task;
}

size_t LiveTasks::size() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return tasks_.size();
}

std::vector<std::shared_ptr<TaskContext>> LiveTasks::running() const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<std::shared_ptr<TaskContext>> out;
  out.reserve(tasks_.size());
  for (const auto& [key, entry] : tasks_)
    out.push_back(entry.task);
  return out;
}

} // namespace rivet::plugin
