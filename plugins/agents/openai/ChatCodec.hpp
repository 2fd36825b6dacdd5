// The chat-completions wire format: the request body we send and what we read from the
// provider's answer, kept apart from the HTTP plumbing so each can be read on its own.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace rivet::openai {

struct ChatRequest {
  std::string model;
  std::string systemPrompt; // empty: no system message
  std::string userMessage;
  std::optional<double> temperature;
  std::optional<int64_t> maxTokens;
};

/// The assistant's text from a 2xx answer, or why there is none.
struct ChatAnswer {
  bool ok = false;
  std::string content; // when ok
  std::string problem; // when not: completes "answered HTTP 200 ..."
};

/// `{"model":..,"messages":[..],"temperature"?,"max_tokens"?,"stream":false}`.
std::string encodeChatRequest(const ChatRequest& request);

/// Reads choices[0].message.content from a 2xx body.
ChatAnswer decodeChatAnswer(const std::string& body);

/// The provider's own words from an error body: error.message, error (a string), message, or
/// else a short excerpt of the body; `fallback` when the body is empty.
std::string providerErrorText(const std::string& body, const std::string& fallback);

/// At most `maxChars` of `text` on one line, cut on a UTF-8 boundary, "..." when cut.
std::string excerpt(const std::string& text, size_t maxChars = 200);

} // namespace rivet::openai
