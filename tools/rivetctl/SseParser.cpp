// Lines end at LF, CR or CRLF; a blank line ends an event; `:` starts a comment; unknown fields
// are ignored, as the format says. Stricter than the format: an event needs its own `id:`
// (a plain decimal number, the task's event sequence), since rivetctl resumes from it; only a
// `gap` event has none (id 0).
#include "SseParser.hpp"

#include <charconv>

namespace rivet::ctl {

bool SseParser::fail(std::string why) {
  error_ = "line " + std::to_string(lines_ + 1) + " of the event stream: " + std::move(why);
  return false;
}

bool SseParser::feed(std::string_view bytes, std::vector<SseEvent>& out) {
  if (!error_.empty())
    return false;
  size_t start = 0;
  for (size_t i = 0; i < bytes.size(); ++i) {
    char c = bytes[i];
    if (c != '\n' && c != '\r') {
      afterCr_ = false;
      continue;
    }
    if (c == '\n' && afterCr_ && i == start) { // the LF of a CRLF split from its CR
      afterCr_ = false;
      start = i + 1;
      continue;
    }
    afterCr_ = c == '\r';
    if (partial_.size() + (i - start) > maxLine_)
      return fail("a line longer than " + std::to_string(maxLine_) + " bytes");
    partial_.append(bytes.substr(start, i - start));
    start = i + 1;
    bool ok = line(partial_, out);
    partial_.clear();
    ++lines_;
    if (!ok)
      return false;
    if (c == '\r' && i + 1 < bytes.size() && bytes[i + 1] == '\n') {
      afterCr_ = false;
      ++i;
      start = i + 1;
    }
  }
  if (partial_.size() + (bytes.size() - start) > maxLine_)
    return fail("a line longer than " + std::to_string(maxLine_) + " bytes");
  partial_.append(bytes.substr(start));
  return true;
}

bool SseParser::line(std::string_view text, std::vector<SseEvent>& out) {
  if (text.empty()) { // the end of an event
    if (hasData_) {
      if (!hasId_ && event_.type != "gap") // a gap is about events, not one of them
        return fail("an event without an id: line (the task API numbers every event)");
      out.push_back(std::move(event_));
    }
    event_ = SseEvent();
    hasId_ = hasData_ = false;
    return true;
  }
  if (text[0] == ':') {
    ++comments_;
    return true;
  }
  size_t colon = text.find(':');
  std::string_view field = text.substr(0, colon);
  std::string_view value = colon == std::string_view::npos ? "" : text.substr(colon + 1);
  if (!value.empty() && value[0] == ' ')
    value.remove_prefix(1);
  if (field == "data") {
    if (event_.data.size() + value.size() + 1 > maxLine_)
      return fail("an event with more than " + std::to_string(maxLine_) + " bytes of data");
    if (hasData_)
      event_.data += '\n';
    event_.data.append(value);
    hasData_ = true;
  } else if (field == "id") {
    int64_t id = -1;
    auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), id);
    if (ec != std::errc() || end != value.data() + value.size() || id < 1)
      return fail("id '" + std::string(value.substr(0, 40)) + "' is not a positive number");
    event_.id = id;
    hasId_ = true;
  } else if (field == "event") {
    event_.type = std::string(value.substr(0, 64));
  }
  return true;
}

} // namespace rivet::ctl
