// One task's conversation in the chat-completions wire format (OpenAI, xAI, Ollama, llama.cpp,
// vLLM): the request bodies, answers read into text or tool calls, `tool` messages appended.
#pragma once

#include "Conversation.hpp"
#include "OpenAiSettings.hpp"

#include <rivet/sdk/json.hpp>

#include <memory>
#include <string>
#include <vector>

namespace rivet::openai {

class ChatConversation : public llm::Conversation {
public:
  /// Starts with the system prompt (when set) and one user message.
  ChatConversation(const OpenAiSettings& settings, std::string model,
                   const std::string& userContent);

  /// `{"model","messages","temperature"?,"max_tokens"?,"stream","tools"?}`; "stream" is the
  /// setting (true unless `stream: false`).
  std::string requestBody(const llm::ToolOffer& tool, bool offered) override;
  /// A ChatStream, or null with `stream: false`.
  std::unique_ptr<llm::StreamDecoder> streamDecoder(llm::StreamDecoder::OnText onText) override;
  /// choices[0].message: tool_calls (appended as returned), else its content.
  llm::ModelTurn readAnswer(const std::string& body) override;
  /// One `{"role":"tool","tool_call_id","content"}` per call.
  void addToolResults(const std::vector<llm::ToolCall>& calls,
                      const std::vector<sdk::ToolResult>& results) override;
  /// ": <the provider's message>".
  std::string httpError(const llm::HttpAnswer& answer) const override;

private:
  llm::ModelTurn readToolCalls(const sdk::json::Value& message, const sdk::json::Value& calls);

  const OpenAiSettings& settings_;
  std::string model_;
  sdk::json::Value messages_ = sdk::json::Value::array();
  int idsMade_ = 0; // ids given to tool calls that came without one
};

} // namespace rivet::openai
