// The SSE line reader of the WHATWG event-stream format: field "event" and "data" kept, "id",
// "retry" and comments (":") ignored, a leading space after the colon dropped.
#include "SseReader.hpp"

namespace rivet::llm {

SseReader::SseReader(OnEvent onEvent, size_t maxLineBytes)
    : onEvent_(std::move(onEvent)), maxLineBytes_(maxLineBytes) {}

void SseReader::feed(const char* data, size_t size) {
  for (size_t i = 0; i < size; ++i) {
    char c = data[i];
    if (c == '\n' && afterCr_) {
      afterCr_ = false;
      continue;
    }
    afterCr_ = c == '\r';
    if (c == '\n' || c == '\r') {
      line();
      continue;
    }
    // Copy the run of ordinary bytes at once: a byte at a time is only for the line ends.
    size_t end = i;
    while (end < size && data[end] != '\n' && data[end] != '\r')
      ++end;
    if (line_.size() + (end - i) > maxLineBytes_)
      throw StreamError("a line of the stream is longer than " + std::to_string(maxLineBytes_) +
                        " bytes");
    line_.append(data + i, end - i);
    i = end - 1;
  }
}

void SseReader::finish() {
  if (!line_.empty())
    line();
  if (hasData_)
    dispatch();
}

void SseReader::line() {
  std::string text;
  text.swap(line_);
  if (text.empty()) {
    dispatch();
    return;
  }
  if (text[0] == ':')
    return; // a comment (keep-alive)
  size_t colon = text.find(':');
  std::string field = text.substr(0, colon);
  std::string value;
  if (colon != std::string::npos) {
    size_t start = colon + 1;
    if (start < text.size() && text[start] == ' ')
      ++start;
    value = text.substr(start);
  }
  if (field == "event") {
    name_ = std::move(value);
  } else if (field == "data") {
    if (data_.size() + value.size() + 1 > maxLineBytes_)
      throw StreamError("an event of the stream holds more than " + std::to_string(maxLineBytes_) +
                        " bytes of data");
    if (hasData_)
      data_ += '\n';
    data_ += value;
    hasData_ = true;
  }
}

void SseReader::dispatch() {
  std::string name, data;
  name.swap(name_);
  data.swap(data_);
  bool had = hasData_;
  hasData_ = false;
  if (!had)
    return; // an event without data is not dispatched (the format's rule)
  ++events_;
  onEvent_(name, data);
}

} // namespace rivet::llm
