// One mesh task run as an A2A task on the remote agent: SendStreamingMessage when the card says
// the agent streams (each SSE event read as it arrives), SendMessage and GetTask polling when it
// does not; the host's cancellation or the deadline sends CancelTask for the remote task.
#pragma once

#include "AgentCard.hpp"
#include "Budget.hpp"
#include "RemoteHttp.hpp"
#include "TaskEvents.hpp"

#include <rivet/sdk/plugin.hpp>

#include <chrono>
#include <functional>
#include <string>

namespace rivet::a2a {

struct RemoteCall {
  const RemoteHttp& http;
  llm::Headers headers;                   // A2A-Version, Authorization
  std::chrono::milliseconds pollInterval; // GetTask polling
};

class RemoteTask {
public:
  /// How long CancelTask may take once the task's own budget is gone.
  static constexpr std::chrono::milliseconds kCancelBudget{3000};

  RemoteTask(const RemoteCall& call, const AgentCard& card, const sdk::Host& host,
             const sdk::Task& task);

  /// Runs the task within `budget`. `transportFailed` is set when the call itself failed (not
  /// the remote's answer), so that the card is fetched again.
  sdk::TaskResult run(const llm::Budget& budget, bool& transportFailed);

  /// The JSON-RPC request body of `method` with `params` (a JSON object text).
  static std::string request(const std::string& id, const std::string& method,
                             const std::string& params);

private:
  sdk::TaskResult stream(const llm::Budget& budget, bool& transportFailed);
  sdk::TaskResult poll(const llm::Budget& budget, bool& transportFailed);
  /// After the stream or a poll ended early: the task's end, with CancelTask sent when the
  /// remote task may still run.
  sdk::TaskResult endEarly(sdk::TaskResult why);
  /// The remote's answer to a finished exchange.
  sdk::TaskResult finish();
  /// CancelTask for the remote task: what happened, for the task's text.
  std::string cancelRemote();
  std::string messageParams(bool returnImmediately) const;
  std::string nextId();
  std::string who() const;
  /// The text of a non-2xx answer, with hints for 401/403/404.
  sdk::TaskResult httpError(const llm::HttpAnswer& answer) const;

  const RemoteCall& call_;
  const AgentCard& card_;
  const sdk::Host& host_;
  const sdk::Task& task_;
  std::function<bool()> cancelled_;
  TaskEvents events_;
  std::string idBase_;
  int requests_ = 0;
};

/// A fresh random id (UUID v4 text) for messageId and request ids.
std::string randomUuid();

} // namespace rivet::a2a
