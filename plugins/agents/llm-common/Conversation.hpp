// What the tool loop needs from a provider's wire format: the next request body, the model's
// turn read from an answer, tool results appended, and an HTTP error put into words.
#pragma once

#include "HttpJsonClient.hpp"
#include "StreamDecoder.hpp"

#include <rivet/sdk/delegate_tool.hpp>

#include <memory>
#include <string>
#include <vector>

namespace rivet::llm {

/// One tool call of a model turn. `arguments` is JSON text (an object, or a string holding one).
struct ToolCall {
  std::string id;
  std::string name;
  std::string arguments;
};

/// What the model answered: final text, tool calls, or an answer that cannot be used.
struct ModelTurn {
  enum class Kind { Text, ToolCalls, Problem };
  Kind kind = Kind::Problem;
  std::string text; // Text: the answer; Problem: completes "provider X answered HTTP 200 ..."
  std::vector<ToolCall> calls;

  static ModelTurn answer(std::string t) { return {Kind::Text, std::move(t), {}}; }
  static ModelTurn problem(std::string t) { return {Kind::Problem, std::move(t), {}}; }
  static ModelTurn toolCalls(std::vector<ToolCall> c) {
    return {Kind::ToolCalls, {}, std::move(c)};
  }
};

/// The delegate_task tool as the provider format needs it.
struct ToolOffer {
  std::string name;
  std::string description;
  std::string parametersSchema; // JSON Schema text
};

/// One task's conversation with the model, in one provider's wire format. Used by one thread.
class Conversation {
public:
  virtual ~Conversation() = default;
  /// The body of the next request. `offered`: whether to offer `tool` this turn.
  virtual std::string requestBody(const ToolOffer& tool, bool offered) = 0;
  /// A decoder for the streamed answer to the last requestBody(), or null when this agent does
  /// not stream (`stream: false`).
  virtual std::unique_ptr<StreamDecoder> streamDecoder(StreamDecoder::OnText onText) = 0;
  /// Reads a 2xx answer. A ToolCalls turn is also appended to the conversation (as the
  /// provider returned it; a call without an id gets one, there and in the turn).
  virtual ModelTurn readAnswer(const std::string& body) = 0;
  /// Appends one result per call of the last ToolCalls turn, in the same order.
  virtual void addToolResults(const std::vector<ToolCall>& calls,
                              const std::vector<sdk::ToolResult>& results) = 0;
  /// Completes "provider <base_url> answered HTTP <status>" for a non-2xx answer.
  virtual std::string httpError(const HttpAnswer& answer) const = 0;
};

} // namespace rivet::llm
