// A streamed chat-completions answer (`"stream": true`) read chunk by chunk: text deltas passed
// on as they come, tool_calls fragments joined by index, assembled into a chat.completion.
#pragma once

#include "StreamDecoder.hpp"

#include <cstdint>
#include <map>
#include <string>

namespace rivet::openai {

class ChatStream : public llm::StreamDecoder {
public:
  explicit ChatStream(OnText onText) : onText_(std::move(onText)) {}

  /// `data: {chunk}` or `data: [DONE]`; an `error` event or chunk throws StreamError.
  void event(const std::string& name, const std::string& data) override;
  /// `{"object":"chat.completion","choices":[{"index":0,"message":{..},"finish_reason":..}]}`
  /// with the text as content (null when none came) and the tool calls in index order.
  std::string finish() override;

private:
  struct Call {
    std::string id;
    std::string name;
    std::string arguments;
  };
  void choice(const sdk::json::Value& choice);
  void toolCallFragment(const sdk::json::Value& fragment);
  // The string a delta member holds ("" when absent or null); StreamError for another type.
  static std::string deltaText(const sdk::json::Value& delta, const std::string& key);

  OnText onText_;
  std::string text_;
  bool hasContent_ = false; // a content delta came (an empty text is still an answer)
  std::string refusal_;
  std::map<int64_t, Call> calls_;
  int64_t lastIndex_ = -1;
  std::string finishReason_;
  bool sawChoice_ = false;
  bool done_ = false; // data: [DONE]
};

} // namespace rivet::openai
