// Anthropic Messages API bodies for ScriptedLlmServer scripts: text answers, tool_use answers,
// errors, their streamed forms (`"stream": true`), and the echoing answer the server gives when
// nothing is scripted.
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
/// One SSE event `event: <type>` `data: <json>` and the blank line after it.
std::string event(const std::string& type, const std::string& json);
/// message_start (model "test-model", empty content, usage) as an event.
std::string messageStart();
/// message_delta with `stopReason` and output usage, then message_stop.
std::string messageEnd(const std::string& stopReason);
/// The stream of a text answer: message_start, a text block of one text_delta per piece (with
/// a ping between), message_delta with `stopReason`, message_stop.
std::string textStream(const std::vector<std::string>& pieces,
                       const std::string& stopReason = "end_turn");
/// The stream of a tool_use turn: an optional text block, then per call a tool_use block whose
/// input comes in `piecesPerCall` input_json_delta pieces, stop_reason "tool_use".
std::string toolUseStream(const std::vector<ToolUse>& calls, size_t piecesPerCall,
                          const std::string& text = "");
/// What the Messages API answers: 401 without x-api-key, 400 without anthropic-version, model,
/// max_tokens or messages, else "[<model>] <the last user message's text>" (as a stream in three
/// pieces when the request has "stream": true).
ScriptedReply echo(const RecordedRequest& request);

} // namespace rivet::test::anthropic_reply
