// Who watches a task of the journal while it runs: its agent's progress, and the tasks it
// started on other nodes with their events (docs/protocol.md "Tasks"). A TaskContext carries
// its root's observer, and every local delegation inherits it.
#pragma once

#include <string>
#include <string_view>

namespace rivet::plugin {

class TaskContext;

// A task started on another node as part of a watched one.
struct RemoteChild {
  std::string node;
  std::string taskId;
  std::string agent;
  std::string from; // "agent@node" of the task that delegated it
};

class TaskObserver {
public:
  virtual ~TaskObserver() = default;
  // `task`'s agent reported progress; kind is "text", "tool" or "status" (checked).
  virtual void progress(const TaskContext& task, std::string_view kind, std::string_view text) = 0;
  virtual void delegationStarted(const RemoteChild& child) = 0;
  // An event of the child's own stream ("progress" or "delegation"), as its node sent it.
  virtual void delegationEvent(const RemoteChild& child, std::string_view type,
                               std::string_view dataJson) = 0;
  // The child ended: its state and result object (JSON text, may be "null").
  virtual void delegationEnded(const RemoteChild& child, std::string_view state,
                               std::string_view resultJson) = 0;
};

} // namespace rivet::plugin
