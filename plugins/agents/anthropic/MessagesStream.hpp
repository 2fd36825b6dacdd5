// A streamed Messages API answer (`"stream": true`) read event by event: text passed on as it
// comes, tool_use input JSON joined from its pieces, assembled into the message the API sends
// unstreamed.
#pragma once

#include "StreamDecoder.hpp"

#include <rivet/sdk/json.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>

namespace rivet::anthropic {

class MessagesStream : public llm::StreamDecoder {
public:
  explicit MessagesStream(OnText onText) : onText_(std::move(onText)) {}

  /// message_start, content_block_start/delta/stop, message_delta, message_stop, ping; an
  /// `error` event throws StreamError; unknown events are ignored, as Anthropic asks.
  void event(const std::string& name, const std::string& data) override;
  /// message_start's message with the blocks in index order, stop_reason and usage applied.
  std::string finish() override;

private:
  struct Block {
    sdk::json::Value start; // the content_block of content_block_start
    std::string text;       // text_delta pieces (a text block) or thinking_delta pieces
    std::string signature;
    std::string inputJson; // input_json_delta pieces (a tool_use block)
    bool hasInputJson = false;
    std::optional<sdk::json::Value> input; // parsed at content_block_stop
  };
  Block& blockAt(const sdk::json::Value& event, const std::string& type);
  void delta(Block& block, const sdk::json::Value& delta);
  void stopBlock(int64_t index, Block& block);
  void messageDelta(const sdk::json::Value& event);

  OnText onText_;
  std::optional<sdk::json::Value> message_; // from message_start
  std::map<int64_t, Block> blocks_;
  sdk::json::Value usage_ = sdk::json::Value::object();
  std::optional<std::string> stopReason_;
  sdk::json::Value stopSequence_;
  bool done_ = false; // message_stop
};

} // namespace rivet::anthropic
