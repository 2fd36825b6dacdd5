// One task's conversation in Anthropic's Messages API format: request bodies, content blocks
// read into text or tool_use calls, tool_result blocks appended, error bodies put into words.
#pragma once

#include "AnthropicSettings.hpp"
#include "Conversation.hpp"

#include <rivet/sdk/json.hpp>

#include <memory>
#include <string>
#include <vector>

namespace rivet::anthropic {

class MessagesConversation : public llm::Conversation {
public:
  /// Starts with one user message.
  MessagesConversation(const AnthropicSettings& settings, std::string model,
                       const std::string& userContent);

  /// `{"model","max_tokens","system"?,"messages","temperature"?,"stream"?,"tools"?}` ("stream":
  /// true unless `stream: false`, which sends no "stream" at all). Once the
  /// conversation holds tool_use blocks the tool stays defined (the API refuses such a
  /// conversation without it), with this turn's description.
  std::string requestBody(const llm::ToolOffer& tool, bool offered) override;
  /// A MessagesStream, or null with `stream: false`.
  std::unique_ptr<llm::StreamDecoder> streamDecoder(llm::StreamDecoder::OnText onText) override;
  /// stop_reason "tool_use": the tool_use blocks (the content appended as returned); any other
  /// stop_reason: the text blocks joined (also for "max_tokens", cut short as it is).
  llm::ModelTurn readAnswer(const std::string& body) override;
  /// One user message with a tool_result block per call (is_error when not completed).
  void addToolResults(const std::vector<llm::ToolCall>& calls,
                      const std::vector<sdk::ToolResult>& results) override;
  /// " (<error.type>): <message>; <what to do>".
  std::string httpError(const llm::HttpAnswer& answer) const override;

private:
  llm::ModelTurn readToolUse(const sdk::json::Value& content);

  const AnthropicSettings& settings_;
  std::string model_;
  sdk::json::Value messages_ = sdk::json::Value::array();
  bool toolUsed_ = false; // a tool_use block is in the conversation
  int idsMade_ = 0;       // ids given to tool_use blocks that came without one
};

} // namespace rivet::anthropic
