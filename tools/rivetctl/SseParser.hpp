// A strict reader of a text/event-stream body (the WHATWG Server-Sent Events format) as the
// task API sends it: every event but `gap` carries a numeric `id:`; lines and events have a size
// limit, so a hostile node cannot make rivetctl hold more than that.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace rivet::ctl {

struct SseEvent {
  int64_t id = 0;               // 0: none (a gap)
  std::string type = "message"; // `event:`; "message" when absent, as the format says
  std::string data;             // the `data:` lines joined by "\n"
};

class SseParser {
public:
  // `maxLine` bounds one line and the data of one event, in bytes.
  explicit SseParser(size_t maxLine) : maxLine_(maxLine) {}

  // Consumes bytes as they arrive (any split, a byte at a time too) and appends the events
  // they complete to `out`. False once the stream broke a rule; error() says which.
  bool feed(std::string_view bytes, std::vector<SseEvent>& out);
  const std::string& error() const { return error_; }
  // Comment lines (": keep-alive") seen so far.
  uint64_t comments() const { return comments_; }

private:
  bool line(std::string_view text, std::vector<SseEvent>& out);
  bool fail(std::string why);

  size_t maxLine_;
  std::string partial_;  // the current line so far
  bool afterCr_ = false; // the last byte ended a line with CR: a LF right after belongs to it
  SseEvent event_;
  bool hasId_ = false, hasData_ = false;
  uint64_t comments_ = 0;
  uint64_t lines_ = 0;
  std::string error_;
};

} // namespace rivet::ctl
