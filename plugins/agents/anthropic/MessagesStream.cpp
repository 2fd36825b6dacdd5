// Reads the Messages API's event stream: message_start, then per content block a start, deltas
// (text_delta, input_json_delta, thinking_delta, signature_delta) and a stop, message_delta with
// the stop_reason and usage, message_stop; ping and unknown events skipped, error events fatal.
#include "MessagesStream.hpp"

#include "ProviderText.hpp"

namespace rivet::anthropic {
namespace {

namespace json = sdk::json;
using llm::excerpt;
using llm::StreamError;

// A string member of a delta, StreamError when it is missing or not a string.
std::string piece(const json::Value& delta, const std::string& type, const std::string& key) {
  auto text = delta.getString(key);
  if (!text)
    throw StreamError("a " + type + " without a string " + key + ": " + excerpt(delta.dump()));
  return *text;
}

} // namespace

void MessagesStream::event(const std::string& name, const std::string& data) {
  ++events_;
  if (done_)
    return; // nothing counts after message_stop
  json::Value e = objectOf(data);
  const std::string type = e.getString("type").value_or(name);
  if (type == "ping")
    return;
  if (type == "error") {
    std::string kind = llm::providerErrorType(data);
    throw StreamError("the stream sent an error" + (kind.empty() ? "" : " (" + kind + ")") + ": " +
                      llm::providerErrorText(data, "(no message)"));
  }
  if (type == "message_start") {
    const json::Value* message = e.find("message");
    if (message_ || !message || !message->isObject())
      throw StreamError(std::string(message_ ? "a second message_start"
                                             : "a message_start without a message object") +
                        afterEvents());
    message_ = *message;
    return;
  }
  if (!message_ && (type.rfind("content_block_", 0) == 0 || type.rfind("message_", 0) == 0))
    throw StreamError(type + " before message_start");
  if (type == "content_block_start")
    blockAt(e, type);
  else if (type == "content_block_delta") {
    const json::Value* d = e.find("delta");
    if (!d || !d->isObject())
      throw StreamError("a content_block_delta without a delta object: " + excerpt(data));
    delta(blockAt(e, type), *d);
  } else if (type == "content_block_stop") {
    Block& block = blockAt(e, type); // checks the index first
    stopBlock(*e.getInteger("index"), block);
  } else if (type == "message_delta")
    messageDelta(e);
  else if (type == "message_stop")
    done_ = true;
}

MessagesStream::Block& MessagesStream::blockAt(const json::Value& e, const std::string& type) {
  auto index = e.getInteger("index");
  if (!index || *index < 0)
    throw StreamError("a " + type + " without a whole-number index: " + excerpt(e.dump()));
  auto it = blocks_.find(*index);
  if (type != "content_block_start") {
    if (it == blocks_.end())
      throw StreamError("a " + type + " for index " + std::to_string(*index) +
                        ", which no content_block_start began");
    return it->second;
  }
  const json::Value* block = e.find("content_block");
  if (it != blocks_.end() || !block || !block->isObject())
    throw StreamError("a content_block_start " +
                      std::string(it != blocks_.end() ? "for index " + std::to_string(*index) +
                                                            ", which had started already"
                                                      : "without a content_block object") +
                      afterEvents());
  grow(64 + block->dump().size());
  Block& b = blocks_[*index];
  b.start = *block;
  b.text =
      block->getString(block->getString("type") == "thinking" ? "thinking" : "text").value_or("");
  if (block->getString("type") == "text" && onText_ && !b.text.empty())
    onText_(b.text);
  return b;
}

void MessagesStream::delta(Block& block, const json::Value& d) {
  const std::string type = d.getString("type").value_or("");
  if (type == "text_delta") {
    std::string text = piece(d, type, "text");
    grow(text.size());
    block.text += text;
    if (onText_)
      onText_(text);
  } else if (type == "input_json_delta") {
    std::string json = piece(d, type, "partial_json");
    grow(json.size());
    block.inputJson += json;
    block.hasInputJson = true;
  } else if (type == "thinking_delta") {
    std::string thinking = piece(d, type, "thinking");
    grow(thinking.size());
    block.text += thinking;
  } else if (type == "signature_delta") {
    std::string signature = piece(d, type, "signature");
    grow(signature.size());
    block.signature += signature;
  } // other deltas (citations) add nothing the tool loop reads
}

void MessagesStream::stopBlock(int64_t index, Block& block) {
  if (!block.hasInputJson || block.input)
    return;
  // The API sends "" for a tool called without input: that is the empty object.
  auto input = json::tryParse(block.inputJson.empty() ? "{}" : block.inputJson);
  if (!input)
    throw StreamError("the input of tool_use block " + std::to_string(index) +
                      " is not JSON: " + excerpt(block.inputJson));
  block.input = std::move(*input);
}

void MessagesStream::messageDelta(const json::Value& e) {
  if (const json::Value* d = e.find("delta"); d && d->isObject()) {
    if (auto reason = d->getString("stop_reason"))
      stopReason_ = *reason;
    if (const json::Value* sequence = d->find("stop_sequence"))
      stopSequence_ = *sequence;
  }
  if (const json::Value* usage = e.find("usage"); usage && usage->isObject())
    for (const auto& [key, value] : usage->members())
      usage_.set(key, value);
}

std::string MessagesStream::finish() {
  if (!done_)
    throw StreamError("the stream ended before message_stop" + afterEvents());
  json::Value message = *message_;
  json::Value content = json::Value::array();
  for (auto& [index, b] : blocks_) {
    stopBlock(index, b); // a block the stream never stopped
    json::Value block = b.start;
    const std::string type = block.getString("type").value_or("");
    if (type == "text")
      block.set("text", json::Value::string(b.text));
    else if (type == "thinking") {
      block.set("thinking", json::Value::string(b.text));
      block.set("signature", json::Value::string(b.signature));
    } else if (b.input)
      block.set("input", std::move(*b.input));
    content.push(std::move(block));
  }
  message.set("content", std::move(content));
  if (stopReason_)
    message.set("stop_reason", json::Value::string(*stopReason_));
  if (!stopSequence_.isNull())
    message.set("stop_sequence", stopSequence_);
  if (!usage_.members().empty()) {
    json::Value usage = json::Value::object();
    if (const json::Value* started = message.find("usage"); started && started->isObject())
      usage = *started;
    for (const auto& [key, value] : usage_.members())
      usage.set(key, value);
    message.set("usage", std::move(usage));
  }
  return message.dump();
}

} // namespace rivet::anthropic
