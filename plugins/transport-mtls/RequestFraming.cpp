// Request framing of the agent channel: Beast's parser plus the strict rules on top.
#include "RequestFraming.hpp"

#include <boost/asio/buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/rfc7230.hpp>

#include <algorithm>
#include <cstring>
#include <iterator>

namespace rivet::mtls {
namespace http = boost::beast::http;

namespace {

constexpr const char* kBadRequest = R"({"error":"Bad request"})";
constexpr const char* kTooLarge = R"({"error":"Request body exceeds 10 MB limit"})";
constexpr const char* kHeadTooLarge = R"({"error":"Request header fields too large"})";
constexpr const char* kVersion = R"({"error":"HTTP version not supported: use HTTP/1.1"})";

// A request line ending in "HTTP/<digit>.<digit>": a version, only not one we speak (505,
// where anything else is a malformed line: 400).
bool wellFormedVersion(const char* data, size_t size) {
  std::string_view text(data, size);
  size_t end = text.find("\r\n");
  if (end == std::string_view::npos || end < 9)
    return false;
  std::string_view v = text.substr(end - 9, 9);
  return v.substr(0, 6) == " HTTP/" && v[6] >= '0' && v[6] <= '9' && v[7] == '.' && v[8] >= '0' &&
         v[8] <= '9';
}

bool allDigits(std::string_view s) {
  if (s.empty() || s.size() > 19)
    return false;
  for (char c : s)
    if (c < '0' || c > '9')
      return false;
  return true;
}

// The scanner's states: in a line, at the start of a line, after a CR that began a line (the
// head's empty last line).
enum Scan { kText, kLineStart, kLineStartCr, kEnd };

} // namespace

// Room for the head and its fields an idle connection keeps (a usual head needs a few hundred
// bytes; one of the limit's 32 KiB is given back).
constexpr size_t kKeptHeadBytes = 1024;
constexpr size_t kKeptFields = 32;

RequestFraming::RequestFraming(const FramingLimits& limits) : limits_(limits) {
  reset();
}

void RequestFraming::reset() {
  parser_.reset(); // head_ and fields_ keep their room for the next request
  state_ = State::Head;
  error_ = FramingError{};
  expectContinue_ = false;
  keepAlive_ = false;
  scanned_ = 0;
  scan_ = kText;
}

size_t RequestFraming::fail(int status, const char* body, const char* reason) {
  state_ = State::Failed;
  error_ = {status, body, reason};
  return 0;
}

size_t RequestFraming::failFrom(const boost::system::error_code& ec) {
  if (ec == http::error::header_limit)
    return fail(431, kHeadTooLarge, "request head too large");
  if (ec == http::error::body_limit)
    return fail(413, kTooLarge, "request body over the limit");
  if (ec == http::error::buffer_overflow)
    return fail(503, R"({"error":"Node out of memory for the request body; retry in a moment"})",
                "no memory for the body");
  if (ec == http::error::bad_content_length || ec == http::error::multiple_content_length)
    return fail(400, kBadRequest, "invalid Content-Length");
  if (ec == http::error::bad_transfer_encoding)
    return fail(400, kBadRequest, "invalid Transfer-Encoding");
  if (ec == http::error::bad_chunk || ec == http::error::bad_chunk_extension)
    return fail(400, kBadRequest, "invalid chunk");
  if (ec == http::error::bad_version)
    return fail(400, kBadRequest, "invalid HTTP version");
  if (ec == http::error::bad_field || ec == http::error::bad_value)
    return fail(400, kBadRequest, "invalid header field");
  return fail(400, kBadRequest, "malformed request");
}

bool RequestFraming::scanHead(const char* data, size_t size) {
  // Only the byte after each LF matters: SP or HTAB there starts an obs-fold line (or puts
  // whitespace before the first field); CR LF there ends the head.
  while (scanned_ < size && scan_ != kEnd) {
    if (scan_ == kLineStart) {
      char c = data[scanned_];
      if (c == ' ' || c == '\t')
        return false;
      scan_ = c == '\r' ? kLineStartCr : kText;
      ++scanned_;
      continue;
    }
    if (scan_ == kLineStartCr) {
      scan_ = data[scanned_] == '\n' ? kEnd : kText;
      ++scanned_;
      continue;
    }
    const void* lf = std::memchr(data + scanned_, '\n', size - scanned_);
    if (!lf) {
      scanned_ = size;
      return true;
    }
    scanned_ = static_cast<const char*>(lf) - data + 1;
    scan_ = kLineStart;
  }
  return true;
}

void RequestFraming::releaseHead() {
  if (parser_)
    return;
  if (head_.capacity() > kKeptHeadBytes)
    std::string().swap(head_);
  if (fields_.capacity() > kKeptFields)
    std::vector<RequestParser::HeadField>().swap(fields_);
}

bool RequestFraming::checkHead() {
  const RequestParser& req = *parser_;
  if (req.version() != 10 && req.version() != 11) {
    fail(505, kVersion, "HTTP version not 1.0 or 1.1");
    return false;
  }
  size_t lengths = req.count(http::field::content_length);
  size_t codings = req.count(http::field::transfer_encoding);
  if (lengths > 1 || (lengths == 1 && !allDigits(req.value(http::field::content_length)))) {
    fail(400, kBadRequest, "duplicate or invalid Content-Length");
    return false;
  }
  if (codings > 0 && lengths > 0) {
    fail(400, kBadRequest, "both Content-Length and Transfer-Encoding");
    return false;
  }
  if (codings > 1) {
    fail(400, kBadRequest, "more than one Transfer-Encoding field");
    return false;
  }
  if (codings == 1) {
    const std::string_view coding = req.value(http::field::transfer_encoding);
    http::opt_token_list list{boost::beast::string_view(coding.data(), coding.size())};
    if (!http::validate_list(list)) {
      fail(400, kBadRequest, "invalid Transfer-Encoding");
      return false;
    }
    size_t count = 0, chunked = 0;
    boost::beast::string_view last;
    for (auto token : list) {
      ++count;
      last = token;
      if (boost::beast::iequals(token, "chunked"))
        ++chunked;
    }
    // RFC 9112 §6.3: a request whose last coding is not chunked has no reliable length.
    if (count == 0 || !boost::beast::iequals(last, "chunked") || chunked > 1) {
      fail(400, kBadRequest, "Transfer-Encoding does not end in a single chunked");
      return false;
    }
    if (count > 1) { // RFC 9112 §6.1: a coding the server does not understand
      fail(501, R"({"error":"Transfer coding not supported: only chunked is"})",
           "a transfer coding other than chunked");
      return false;
    }
  }
  // Whether the connection stays open is the head's to say (a trailer's Connection field does
  // not count); an HTTP/1.0 request with Transfer-Encoding is served, then the connection is
  // closed (RFC 9112 §6.1: its framing is to be taken as faulty).
  keepAlive_ = req.keep_alive() && !(req.version() == 10 && codings > 0);
  const std::string_view expect = req.value(http::field::expect);
  expectContinue_ = req.count(http::field::expect) > 0 &&
                    boost::beast::iequals(boost::beast::string_view(expect.data(), expect.size()),
                                          "100-continue");
  return true;
}

void RequestFraming::startParser() {
  parser_.emplace(head_, fields_, limits_.maxBodyBytes, limits_.maxHeaders);
  parser_->header_limit(static_cast<std::uint32_t>(limits_.maxHeaderBytes));
  parser_->body_limit(limits_.maxBodyBytes);
}

size_t RequestFraming::feed(const char* data, size_t size) {
  if (!parser_)
    startParser(); // the first bytes of a request
  size_t used = 0;
  boost::system::error_code ec;
  if (state_ == State::Head) {
    if (!scanHead(data, size))
      return fail(400, kBadRequest, "obs-fold or whitespace at the start of a header line");
    if (scan_ != kEnd) { // Beast consumes part of a head it is given in pieces: give it whole
      if (size >= limits_.maxHeaderBytes)
        return fail(431, kHeadTooLarge, "request head too large");
      return 0;
    }
    if (scanned_ > limits_.maxHeaderBytes) // Beast's limit leaves out the request line
      return fail(431, kHeadTooLarge, "request head too large");
    parser_->eager(false);
    parser_->headBytes(data, size);
    used = parser_->put(boost::asio::const_buffer(data, size), ec);
    head_.append(data, used); // the bytes the request line and fields are found in
    if (ec == http::error::need_more)
      return 0; // the head is not complete: offered again with more
    if (ec == http::error::bad_version && wellFormedVersion(data, size))
      return fail(505, kVersion, "HTTP version not 1.0 or 1.1");
    if (parser_->tooManyFields())
      return fail(431, kHeadTooLarge, "too many header fields");
    if (ec)
      return failFrom(ec);
    if (!parser_->is_header_done()) {
      scanned_ -= used; // offsets count from the first byte not consumed
      return used;
    }
    if (!checkHead())
      return 0;
    parser_->eager(true);
    // The caller looks at the accepted head (budget, 100-continue) before the body is read.
    state_ = parser_->is_done() ? State::Done : State::Body;
    return used;
  }
  while (state_ == State::Body && !parser_->is_done() && used < size) {
    // Slices of at most maxHeaderBytes: a chunk line or trailer section (Beast has no limit on
    // them) that does not fit in one is refused, however the bytes arrived.
    size_t slice = std::min(size - used, limits_.maxHeaderBytes);
    // What is left of the body limit, set anew for each call: Beast takes a chunk's size off
    // its limit before it has the whole chunk line, and again when offered the line once more
    // (a chunk extension split over reads would pass a 413 that one read does not). What is
    // left counts the whole of the chunk in progress, not only the bytes of it already here:
    // a call that begins inside a chunk must not admit a next chunk past the limit.
    if (!contentLength())
      parser_->body_limit(limits_.maxBodyBytes -
                          std::min<uint64_t>(limits_.maxBodyBytes, parser_->chunkBytes()));
    size_t n = parser_->put(boost::asio::const_buffer(data + used, slice), ec);
    used += n;
    if (ec == http::error::need_more) {
      if (n > 0)
        continue;
      if (slice == limits_.maxHeaderBytes)
        return fail(431, kHeadTooLarge, "chunk line or trailers too large");
      break;
    }
    if (ec)
      return failFrom(ec);
    if (n == 0)
      break;
  }
  if (state_ == State::Body && parser_->is_done())
    state_ = State::Done;
  return used;
}

std::string_view RequestFraming::method() const {
  return parser_->method();
}

std::string_view RequestFraming::target() const {
  return parser_->target();
}

bool RequestFraming::keepAlive() const {
  return keepAlive_;
}

bool RequestFraming::headRequest() const {
  return parser_->verb() == http::verb::head;
}

std::optional<uint64_t> RequestFraming::contentLength() const {
  auto n = parser_->content_length();
  if (!n)
    return std::nullopt;
  return static_cast<uint64_t>(*n);
}

size_t RequestFraming::bodyBytes() const {
  return parser_->body().size();
}

BodyBuffer& RequestFraming::body() {
  return parser_->body();
}

} // namespace rivet::mtls
