// The checks both stream decoders share: each event's data a JSON object, the assembled answer
// no larger than an unstreamed one may be.
#include "StreamDecoder.hpp"

#include "HttpJsonClient.hpp"
#include "ProviderText.hpp"

namespace rivet::llm {

sdk::json::Value StreamDecoder::objectOf(const std::string& data) {
  auto parsed = sdk::json::tryParse(data);
  if (!parsed || !parsed->isObject())
    throw StreamError("a data line is not a JSON object: " + excerpt(data));
  return std::move(*parsed);
}

void StreamDecoder::grow(size_t bytes) {
  bytes_ += bytes;
  if (bytes_ > HttpJsonClient::kMaxAnswerBytes)
    throw StreamError("the streamed answer is larger than 16 MiB");
}

std::string StreamDecoder::afterEvents() const {
  return " (after " + std::to_string(events_) + (events_ == 1 ? " event)" : " events)");
}

} // namespace rivet::llm
