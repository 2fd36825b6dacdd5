// Chat-completions bodies for ScriptedLlmServer scripts: text answers, tool calls, errors, their
// streamed forms (`"stream": true`), and the echoing answer the server gives when nothing is
// scripted.
#pragma once

#include "ScriptedLlmServer.hpp"

#include <string>
#include <vector>

namespace rivet::test::openai_reply {

struct Call {
  std::string id;
  std::string arguments; // the JSON text the model wrote
  std::string name = "delegate_task";
};

/// A chat.completion whose choices[0].message.content is `content`.
std::string text(const std::string& model, const std::string& content);
/// A chat.completion whose message has content null and these tool_calls (finish_reason
/// "tool_calls"); an empty id leaves the id out.
std::string toolCalls(const std::vector<Call>& calls);
/// OpenAI's error shape: {"error":{"message":..,"type":..,"param":null,"code":null}}.
std::string error(const std::string& message, const std::string& type);
/// One SSE event `data: <json>` and the blank line after it.
std::string data(const std::string& json);
/// A chunk `{"id","object":"chat.completion.chunk",..,"choices":[{"index":0,"delta":<delta>,
/// "finish_reason":<finishReason or null>}]}` as one SSE event.
std::string chunk(const std::string& deltaJson, const std::string& finishReason = "");
/// `data: [DONE]`.
std::string done();
/// The stream of a text answer: a role chunk, one content delta per piece, a finish chunk with
/// finish_reason "stop", [DONE].
std::string textStream(const std::vector<std::string>& pieces);
/// The stream of a tool-call turn: per call a first fragment (index, id, name, arguments ""),
/// then its arguments in `piecesPerCall` fragments (round robin over the calls when
/// `interleaved`), finish_reason "tool_calls", [DONE].
std::string toolCallsStream(const std::vector<Call>& calls, size_t piecesPerCall,
                            bool interleaved = false);
/// What a chat-completions server answers: "[<model>] <last message's content>"; 400 for a
/// body without model or messages. A request with "stream": true gets the text as a stream in
/// three pieces.
ScriptedReply echo(const RecordedRequest& request);

} // namespace rivet::test::openai_reply
