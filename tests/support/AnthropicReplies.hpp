// Anthropic Messages API bodies for ScriptedLlmServer scripts: text answers, tool_use answers,
// errors, and the echoing answer the server gives when nothing is scripted.
#pragma once

#include "ScriptedLlmServer.hpp"

#include <string>
#include <vector>

namespace rivet::test::anthropic_reply {

struct ToolUse {
  std::string id;
  std::string inputJson; // the input object as JSON text
  std::string name = "delegate_task";
};

/// A message with one text block.
std::string text(const std::string& model, const std::string& text,
                 const std::string& stopReason = "end_turn");
/// A message with an optional text block, then one tool_use block per call (stop_reason
/// "tool_use"); an empty id leaves the id out.
std::string toolUse(const std::vector<ToolUse>& calls, const std::string& text = "");
/// Anthropic's error shape: {"type":"error","error":{"type":..,"message":..}}.
std::string error(const std::string& type, const std::string& message);
/// What the Messages API answers: 401 without x-api-key, 400 without anthropic-version, model,
/// max_tokens or messages, else "[<model>] <the last user message's text>".
ScriptedReply echo(const RecordedRequest& request);

} // namespace rivet::test::anthropic_reply
