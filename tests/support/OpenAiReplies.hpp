// Chat-completions bodies for ScriptedLlmServer scripts: text answers, tool calls, errors, and
// the echoing answer the server gives when nothing is scripted.
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
/// What a chat-completions server answers: "[<model>] <last message's content>"; 400 for a
/// body without model or messages.
ScriptedReply echo(const RecordedRequest& request);

} // namespace rivet::test::openai_reply
