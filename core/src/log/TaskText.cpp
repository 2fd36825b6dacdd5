// The task-text rule of the log (docs/configuration.md, log.task_text).
#include "log/TaskText.hpp"

#include "util/JsonText.hpp"

#include <atomic>

namespace rivet::log {
namespace {
std::atomic<bool> taskTextFlag{false};
} // namespace

std::string excerpt(std::string_view text) {
  std::string_view prefix = util::utf8Prefix(text, kTaskTextExcerptChars);
  return std::string(prefix) + (prefix.size() < text.size() ? "..." : "");
}

bool taskTextLogged() {
  return taskTextFlag.load(std::memory_order_relaxed);
}

void setTaskTextLogged(bool logged) {
  taskTextFlag.store(logged, std::memory_order_relaxed);
}

} // namespace rivet::log
