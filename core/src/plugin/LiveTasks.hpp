// The tasks agents of this node are running right now, so that a plugin's delegate() or
// roster() call, and a program holding a task credential, is tied to its real task: a task
// that ended, or a struct that is not one the host handed out, is not found.
#pragma once

#include "plugin/TaskContext.hpp"

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace rivet::plugin {

class LiveTasks {
public:
  // While a Scope lives, `task` is found by find() and credentials may be issued for it; when
  // it ends, they stop working. A scope links itself into its LiveTasks: starting a task
  // allocates nothing.
  class Scope {
  public:
    Scope(LiveTasks& live, std::shared_ptr<TaskContext> task);
    ~Scope();
    Scope(const Scope&) = delete;
    Scope& operator=(const Scope&) = delete;

  private:
    friend class LiveTasks;
    LiveTasks& live_;
    std::shared_ptr<TaskContext> task_;
    std::string token_; // empty until a credential was asked for
    Scope* prev_ = nullptr;
    Scope* next_ = nullptr;
  };

  // The running task whose context is `hostData` (a rivet_task's host_data); null otherwise.
  std::shared_ptr<TaskContext> find(const void* hostData) const;
  // A new secret (128 random bits, hex) that finds `task` while it runs; empty when `task` is
  // not running.
  std::string issueToken(const TaskContext* task);
  // The running task a token was issued for; null for an unknown or expired token.
  std::shared_ptr<TaskContext> byToken(const std::string& token) const;
  size_t size() const;
  // The tasks running now (for the status page).
  std::vector<std::shared_ptr<TaskContext>> running() const;

private:
  // The innermost scope of a task (the last one started); null when it is not running.
  Scope* scopeOf(const void* task) const;

  mutable std::mutex mutex_;
  Scope* first_ = nullptr; // the scopes, the newest first
  size_t count_ = 0;
  std::map<std::string, Scope*> tokens_;
};

} // namespace rivet::plugin
