// Reads HTTP/1.x responses byte stream by byte stream, without copying bodies: the generator
// needs the status, the end of the message and the connection's fate, not the content.
#include "BenchResponseParser.hpp"

#include <algorithm>
#include <cctype>
#include <cstring>

namespace rivet::ctl {

namespace {

constexpr std::size_t kMaxHead = 64 * 1024;

bool equalsNoCase(const std::string& a, const char* b) {
  std::size_t n = std::strlen(b);
  if (a.size() != n)
    return false;
  for (std::size_t i = 0; i < n; ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  return true;
}

bool containsTokenNoCase(std::string v, const char* token) {
  std::transform(v.begin(), v.end(), v.begin(), [](unsigned char c) { return std::tolower(c); });
  return v.find(token) != std::string::npos;
}

std::string trim(const std::string& s) {
  std::size_t b = s.find_first_not_of(" \t");
  std::size_t e = s.find_last_not_of(" \t\r\n");
  return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
}

} // namespace

void BenchResponseParser::reset() {
  state_ = State::Head;
  buf_.clear();
  status_ = 0;
  keepAlive_ = true;
  remaining_ = 0;
  bodyBytes_ = 0;
  error_.clear();
}

BenchResponseParser::Result BenchResponseParser::fail(const std::string& why) {
  error_ = why;
  return Result::Error;
}

BenchResponseParser::Result BenchResponseParser::feed(const char* data, std::size_t len) {
  while (len > 0) {
    switch (state_) {
    case State::Head: {
      std::size_t old = buf_.size();
      buf_.append(data, len);
      std::size_t end = buf_.find("\r\n\r\n", old >= 3 ? old - 3 : 0);
      if (end == std::string::npos) {
        if (buf_.size() > kMaxHead)
          return fail("response head longer than 64 KiB");
        return Result::NeedMore;
      }
      std::size_t used = end + 4 - old; // bytes of `data` that belong to the head
      data += used;
      len -= used;
      buf_.resize(end + 2); // keep the last header line's CRLF for the line splitter
      Result r = parseHead(end + 2);
      buf_.clear();
      if (r == Result::Error)
        return r;
      break;
    }
    case State::Body: {
      std::size_t take = static_cast<std::size_t>(std::min<std::uint64_t>(remaining_, len));
      remaining_ -= take;
      bodyBytes_ += take;
      data += take;
      len -= take;
      if (remaining_ == 0)
        state_ = State::Done;
      break;
    }
    case State::UntilClose:
      bodyBytes_ += len;
      return Result::NeedMore;
    case State::Done:
      return fail("server sent " + std::to_string(len) + " bytes after the end of the response");
    default: { // chunked states
      if (state_ == State::ChunkData) {
        std::size_t take = static_cast<std::size_t>(std::min<std::uint64_t>(remaining_, len));
        remaining_ -= take;
        bodyBytes_ += take;
        data += take;
        len -= take;
        if (remaining_ == 0)
          state_ = State::ChunkDataEnd;
        break;
      }
      // Line-oriented chunked parts: collect one line at a time.
      const char* nl = static_cast<const char*>(std::memchr(data, '\n', len));
      std::size_t take = nl ? static_cast<std::size_t>(nl - data) + 1 : len;
      buf_.append(data, take);
      data += take;
      len -= take;
      if (buf_.size() > 4096)
        return fail("chunked encoding line longer than 4 KiB");
      if (!nl)
        return Result::NeedMore;
      if (parseChunked() == Result::Error)
        return Result::Error;
      buf_.clear();
      break;
    }
    }
  }
  return state_ == State::Done ? Result::Done : Result::NeedMore;
}

BenchResponseParser::Result BenchResponseParser::parseChunked() {
  std::string line = trim(buf_);
  if (state_ == State::ChunkDataEnd) {
    if (!line.empty())
      return fail("chunk data not followed by CRLF");
    state_ = State::ChunkSize;
    return Result::NeedMore;
  }
  if (state_ == State::Trailers) {
    if (line.empty())
      state_ = State::Done;
    return Result::NeedMore;
  }
  // ChunkSize: hex digits, optionally followed by ";extensions".
  std::string hex = trim(line.substr(0, line.find(';')));
  if (hex.empty() || hex.size() > 15 ||
      hex.find_first_not_of("0123456789abcdefABCDEF") != std::string::npos)
    return fail("bad chunk size line '" + line + "'");
  remaining_ = std::stoull(hex, nullptr, 16);
  state_ = remaining_ == 0 ? State::Trailers : State::ChunkData;
  return Result::NeedMore;
}

BenchResponseParser::Result BenchResponseParser::parseHead(std::size_t headEnd) {
  std::size_t eol = buf_.find("\r\n");
  std::string statusLine = buf_.substr(0, eol);
  // "HTTP/1.1 200 OK"
  if (statusLine.size() < 12 || statusLine.compare(0, 7, "HTTP/1.") != 0 || statusLine[8] != ' ')
    return fail("bad status line '" + statusLine.substr(0, 80) + "'");
  bool http10 = statusLine[7] == '0';
  status_ = std::atoi(statusLine.c_str() + 9);
  if (status_ < 100 || status_ > 999)
    return fail("bad status code in '" + statusLine.substr(0, 80) + "'");
  keepAlive_ = !http10;
  bool chunked = false, haveLength = false;
  std::uint64_t length = 0;
  for (std::size_t pos = eol + 2; pos < headEnd;) {
    std::size_t next = buf_.find("\r\n", pos);
    std::string line = buf_.substr(pos, next - pos);
    pos = next + 2;
    std::size_t colon = line.find(':');
    if (colon == std::string::npos)
      return fail("header line without ':' '" + line.substr(0, 80) + "'");
    std::string name = line.substr(0, colon);
    std::string value = trim(line.substr(colon + 1));
    if (equalsNoCase(name, "content-length")) {
      if (value.empty() || value.find_first_not_of("0123456789") != std::string::npos)
        return fail("bad Content-Length '" + value + "'");
      length = std::stoull(value);
      haveLength = true;
    } else if (equalsNoCase(name, "transfer-encoding")) {
      chunked = containsTokenNoCase(value, "chunked");
    } else if (equalsNoCase(name, "connection")) {
      if (containsTokenNoCase(value, "close"))
        keepAlive_ = false;
      else if (containsTokenNoCase(value, "keep-alive"))
        keepAlive_ = true;
    }
  }
  if (status_ < 200 || status_ == 204 || status_ == 304) {
    if (status_ < 200)
      return fail("interim " + std::to_string(status_) + " responses are not supported");
    state_ = State::Done;
  } else if (chunked)
    state_ = State::ChunkSize;
  else if (haveLength) {
    remaining_ = length;
    state_ = length == 0 ? State::Done : State::Body;
  } else {
    state_ = State::UntilClose;
    keepAlive_ = false;
  }
  return Result::NeedMore;
}

BenchResponseParser::Result BenchResponseParser::feedEof() {
  if (state_ == State::UntilClose) {
    state_ = State::Done;
    return Result::Done;
  }
  if (state_ == State::Done)
    return Result::Done;
  return fail(state_ == State::Head && buf_.empty()
                  ? "connection closed before any response"
                  : "connection closed in the middle of a response");
}

} // namespace rivet::ctl
