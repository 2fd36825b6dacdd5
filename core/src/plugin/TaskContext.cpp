// Deadlines and cancellation of a running task.
#include "plugin/TaskContext.hpp"

#include "util/JsonText.hpp"

#include <algorithm>

namespace rivet::plugin {

void TaskContext::startClock(int64_t ms) {
  using namespace std::chrono;
  timeoutMs = ms;
  deadline = Clock::now() + milliseconds(ms);
  deadlineEpochMs =
      duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count() + ms;
}

std::string TaskContext::pathJson() const {
  std::string out = "[";
  for (const auto& hop : path) {
    if (out.size() > 1)
      out += ',';
    util::appendJsonString(out, hop);
  }
  return out + "]";
}

int64_t TaskContext::remainingMs() const {
  using namespace std::chrono;
  return duration_cast<milliseconds>(deadline - Clock::now()).count();
}

void TaskContext::cancel() {
  std::vector<std::shared_ptr<TaskContext>> children;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (cancelled_.exchange(true))
      return;
    for (auto& weak : children_)
      if (auto child = weak.lock())
        children.push_back(std::move(child));
    children_.clear();
  }
  for (auto& child : children)
    child->cancel();
}

void TaskContext::adopt(const std::shared_ptr<TaskContext>& child) {
  if (child->taskId.empty())
    child->taskId = taskId;
  if (child->traceId.empty())
    child->traceId = traceId;
  if (!child->observer)
    child->observer = observer;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!cancelled_) {
      children_.erase(std::remove_if(children_.begin(), children_.end(),
                                     [](const auto& w) { return w.expired(); }),
                      children_.end());
      children_.push_back(child);
      return;
    }
  }
  child->cancel();
}

} // namespace rivet::plugin
