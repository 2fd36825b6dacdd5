// What reads one provider's streamed answer: Server-Sent Events in, the provider's unstreamed
// JSON answer out, with the checks every such reader shares (JSON data, a size bound).
#pragma once

#include "SseReader.hpp"

#include <rivet/sdk/json.hpp>

#include <cstddef>
#include <functional>
#include <string>

namespace rivet::llm {

/// Reads one streamed answer, event by event, into the JSON answer the provider would have sent
/// unstreamed. Each call may throw StreamError saying what was wrong.
class StreamDecoder {
public:
  /// Gets each piece of the answer's text as it arrives.
  using OnText = std::function<void(const std::string& text)>;

  virtual ~StreamDecoder() = default;
  /// One Server-Sent Event: its `event:` name (or empty) and its data.
  virtual void event(const std::string& name, const std::string& data) = 0;
  /// After the last event: the answer as the provider's unstreamed JSON body, for readAnswer().
  /// Throws StreamError when the stream ended before the provider's end marker.
  virtual std::string finish() = 0;

protected:
  /// The data of an event as a JSON object; StreamError naming it otherwise.
  static sdk::json::Value objectOf(const std::string& data);
  /// Counts `bytes` more of the answer being assembled; StreamError past
  /// HttpJsonClient::kMaxAnswerBytes, so that many small events cannot grow it without bound.
  void grow(size_t bytes);
  /// " (after N events)", for messages about where a stream broke.
  std::string afterEvents() const;

  size_t events_ = 0; // counted by the decoder as it reads them

private:
  size_t bytes_ = 0;
};

} // namespace rivet::llm
