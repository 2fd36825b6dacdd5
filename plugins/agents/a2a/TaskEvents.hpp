// What a remote A2A task has told us so far: the JSON-RPC responses of SendMessage,
// SendStreamingMessage and GetTask read one by one (a whole answer, or one SSE event each), the
// remote task id, its state, the status text and the artifacts that make up the answer. Every
// response is checked (JSON, id, task id, sizes, counts); what cannot be used throws
// llm::StreamError saying what was wrong.
#pragma once

#include "SseReader.hpp"

#include <rivet/sdk/json.hpp>
#include <rivet/sdk/plugin.hpp>

#include <cstddef>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace rivet::a2a {

enum class TaskState {
  Unknown, // not said yet, or a name this plugin does not know
  Submitted,
  Working,
  Completed,
  Failed,
  Canceled,
  Rejected,
  InputRequired,
  AuthRequired
};

/// "TASK_STATE_WORKING", as on the wire.
const char* stateName(TaskState s);
/// Ends this plugin's part in the task: completed, failed, canceled, rejected, and the two
/// interrupted states (input and auth required), which would need another turn.
bool isFinal(TaskState s);

class TaskEvents {
public:
  static constexpr size_t kMaxEventBytes = 1024 * 1024; // one SSE event or line
  static constexpr size_t kMaxEvents = 10000; // stream events (and SendMessage answers) of a task
  static constexpr size_t kMaxAnswerBytes = 4 * 1024 * 1024;   // all artifact text
  static constexpr size_t kMaxResponseBytes = 8 * 1024 * 1024; // one whole JSON answer

  /// `report(kind, text)` gets progress: "status" for a status message, "text" for a piece of
  /// an artifact as it streams.
  using Report = std::function<void(const char* kind, const std::string& text)>;
  explicit TaskEvents(Report report) : report_(std::move(report)) {}

  /// One JSON-RPC response text to the request with id `id`.
  void response(const std::string& text, const std::string& id);
  /// A response whose result must be a Task (GetTask, CancelTask).
  void taskResponse(const std::string& text, const std::string& id);

  bool finished() const { return finished_; }
  TaskState state() const { return state_; }
  const std::string& remoteTaskId() const { return taskId_; }

  /// The task's end, read from the final state: completed with the answer, or why not.
  /// `who` names the remote agent in messages ("the remote agent 'X' at <url>").
  sdk::TaskResult outcome(const std::string& who) const;

private:
  /// The result of one response; `event` counts it against kMaxEvents (a poll's answer does
  /// not: polls are bounded by the deadline and poll_interval_ms).
  sdk::json::Value result(const std::string& text, const std::string& id, bool event);
  void task(const sdk::json::Value& t);
  void status(const sdk::json::Value& status);
  void artifactUpdate(const sdk::json::Value& update);
  void message(const sdk::json::Value& m);
  void sameTask(const std::string& id);
  void setArtifact(const std::string& id, std::string text, bool append);
  std::string answer() const;

  Report report_;
  std::string taskId_;
  TaskState state_ = TaskState::Unknown;
  bool finished_ = false;
  std::string statusText_;   // the text of the last status message
  std::string reportedText_; // the last status text reported (polling repeats it)
  std::string messageText_;  // a Message answer
  bool messageAnswer_ = false;
  std::vector<std::pair<std::string, std::string>> artifacts_; // id, text, in order
  size_t answerBytes_ = 0;
  size_t responses_ = 0;
};

} // namespace rivet::a2a
