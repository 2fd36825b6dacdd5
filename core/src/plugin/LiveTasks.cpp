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
    : live_(live), task_(std::move(task)) {
  std::lock_guard<std::mutex> lock(live_.mutex_);
  next_ = live_.first_;
  if (next_)
    next_->prev_ = this;
  live_.first_ = this;
  ++live_.count_;
}

LiveTasks::Scope::~Scope() {
  std::lock_guard<std::mutex> lock(live_.mutex_);
  if (!token_.empty())
    live_.tokens_.erase(token_);
  (prev_ ? prev_->next_ : live_.first_) = next_;
  if (next_)
    next_->prev_ = prev_;
  --live_.count_;
}

LiveTasks::Scope* LiveTasks::scopeOf(const void* task) const {
  for (Scope* s = first_; s; s = s->next_)
    if (s->task_.get() == task)
      return s;
  return nullptr;
}

std::shared_ptr<TaskContext> LiveTasks::find(const void* hostData) const {
  std::lock_guard<std::mutex> lock(mutex_);
  Scope* s = scopeOf(hostData);
  return s ? s->task_ : nullptr;
}

std::string LiveTasks::issueToken(const TaskContext* task) {
  std::string token = randomToken();
  std::lock_guard<std::mutex> lock(mutex_);
  Scope* s = scopeOf(task);
  if (!s)
    return "";
  if (!s->token_.empty())
    return s->token_; // one credential per task
  s->token_ = token;
  tokens_[token] = s;
  return token;
}

std::shared_ptr<TaskContext> LiveTasks::byToken(const std::string& token) const {
  std::lock_guard<std::mutex> lock(mutex_);
  auto t = tokens_.find(token);
  return t == tokens_.end() ? nullptr : t->second->task_;
}

size_t LiveTasks::size() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return count_;
}

std::vector<std::shared_ptr<TaskContext>> LiveTasks::running() const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<std::shared_ptr<TaskContext>> out;
  out.reserve(count_);
  for (Scope* s = first_; s; s = s->next_)
    out.push_back(s->task_);
  return out;
}

} // namespace rivet::plugin
