// The generic delegate_task loop of an LLM agent: ask the model, run the tool calls it makes
// (concurrently, bounded), give it the results, ask again, until it answers with text.
#pragma once

#include "Budget.hpp"
#include "Conversation.hpp"
#include "HttpJsonClient.hpp"
#include "ProgressReport.hpp"

#include <rivet/sdk/delegate_tool.hpp>
#include <rivet/sdk/plugin.hpp>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace rivet::llm {

struct ToolLoopSettings {
  bool delegation = true;                 // offer delegate_task at all
  int64_t maxToolRounds = 8;              // turns with tool calls before the task fails
  int64_t maxToolResultBytes = 64 * 1024; // each tool result given to the model
  bool stream = true;                     // ask for streamed answers (Server-Sent Events)
};

class ToolLoop {
public:
  /// Calls of one turn that run; the rest are answered [failed] without running.
  static constexpr size_t kMaxCallsPerTurn = 16;
  /// Arguments longer than this are answered [failed] without parsing them.
  static constexpr size_t kMaxArgumentBytes = 1024 * 1024;

  ToolLoop(const sdk::Host& host, const HttpJsonClient& client, Headers headers,
           ToolLoopSettings settings);

  /// Runs `conversation` to a final answer within min(task timeout, `timeoutMs`), polling
  /// task.cancelled(); a task cancelled before it starts never reaches the provider. Reports the
  /// streamed text and each delegate_task call and outcome as the task's progress.
  sdk::TaskResult run(const sdk::Task& task, Conversation& conversation,
                      std::optional<int64_t> timeoutMs) const;

  /// The user message: `Task from agent "a" on node "n":`, a blank line, the task (just the
  /// task when no agent asked).
  static std::string userContent(const sdk::Task& task);

private:
  // One model turn: `body` posted, a streamed answer decoded as it arrives into `streamed`.
  // Throws StreamError for a stream that cannot be used.
  PostOutcome ask(Conversation& conversation, const std::string& body, const Budget& budget,
                  const std::function<bool()>& cancelled, const ProgressReport& progress,
                  std::string& streamed) const;
  std::vector<sdk::ToolResult> runCalls(const sdk::Task& task, const std::vector<ToolCall>& calls,
                                        const sdk::Roster& roster, const Budget& budget,
                                        const ProgressReport& progress) const;

  const sdk::Host& host_;
  const HttpJsonClient& client_;
  Headers headers_;
  ToolLoopSettings settings_;
  sdk::DelegateTool tool_;
};

} // namespace rivet::llm
