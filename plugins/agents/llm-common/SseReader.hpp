// Server-Sent Events read as bytes arrive (a byte at a time, too): lines split on LF, CRLF or CR,
// events dispatched at each blank line, every line and event bounded so a hostile stream cannot
// grow memory without limit.
#pragma once

#include <cstddef>
#include <functional>
#include <stdexcept>
#include <string>

namespace rivet::llm {

/// A stream that cannot be used; what() completes "the stream ..." style messages: it says what
/// was wrong ("a data line is not JSON: ...").
class StreamError : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

class SseReader {
public:
  /// One event: its `event:` name (empty when none was given) and its `data:` lines joined
  /// with '\n'. May throw StreamError, which ends the reading.
  using OnEvent = std::function<void(const std::string& name, const std::string& data)>;

  /// `maxLineBytes` bounds a line and the data of one event; longer throws StreamError.
  SseReader(OnEvent onEvent, size_t maxLineBytes);

  /// The next bytes of the body, split anywhere.
  void feed(const char* data, size_t size);
  /// At the end of the body: a last line and event without their terminating newline count.
  void finish();
  /// Events dispatched so far.
  size_t events() const { return events_; }

private:
  void line();
  void dispatch();

  OnEvent onEvent_;
  size_t maxLineBytes_;
  std::string line_;
  std::string name_;
  std::string data_;
  bool hasData_ = false;
  bool afterCr_ = false; // the last byte was CR: a LF right after it ends nothing more
  size_t events_ = 0;
};

} // namespace rivet::llm
