// Reads the HTTP/1.1 requests of one connection from its bytes, as the agent channel does:
// Boost.Beast's parser does the framing, and the rules RFC 9112 leaves to a strict server are
// checked on top (docs/transport.md "Framing"): no obs-fold, one plain Content-Length, no
// Content-Length beside Transfer-Encoding, `chunked` as the only transfer coding, HTTP/1.0 and
// 1.1 only, limits on the head, the number of fields and the body.
#pragma once

#include "BodyBuffer.hpp"
#include "RequestParser.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rivet::mtls {

struct FramingLimits {
  size_t maxHeaderBytes = 32 * 1024;
  size_t maxHeaders = 100;
  size_t maxBodyBytes = 10 * 1024 * 1024; // docs/protocol.md §3
};

// What to answer a request the channel refuses, before closing the connection.
struct FramingError {
  int status = 400;
  const char* body = R"({"error":"Bad request"})";
  const char* reason = ""; // for the log: which rule it broke
};

class RequestFraming {
public:
  enum class State {
    Head,   // waiting for the rest of the head
    Body,   // the head is accepted; the body is still arriving
    Done,   // a whole request is here: method(), target(), body()
    Failed, // refused: error() says how to answer; the connection closes after it
  };

  explicit RequestFraming(const FramingLimits& limits);
  RequestFraming(const RequestFraming&) = delete; // the parser points into head_ and fields_
  RequestFraming& operator=(const RequestFraming&) = delete;

  // Offers the bytes that arrived and are not consumed yet (the caller keeps them in one
  // buffer and appends new ones). Returns how many were consumed; the others are either not
  // needed yet (an incomplete head: offer them again with more) or belong to the next request.
  // A call that completes the head stops there: the body is read by the next calls.
  size_t feed(const char* data, size_t size);
  State state() const { return state_; }
  const FramingError& error() const { return error_; }

  // From State::Body on.
  std::string_view method() const;
  std::string_view target() const;
  bool keepAlive() const;
  bool expectContinue() const { return expectContinue_; }
  bool headRequest() const;
  // The body length the head announced (nothing when chunked).
  std::optional<uint64_t> contentLength() const;
  // Body bytes held so far (for the listener's budget of bytes in flight).
  size_t bodyBytes() const;
  // Calls fn(name, value) for each header field, in the order received (from State::Body on).
  template <class Fn> void forEachField(Fn&& fn) const {
    for (const auto& f : fields_)
      fn(parser_->text(f.nameText), parser_->text(f.value));
  }
  // State::Done: the body (move it out if kept).
  BodyBuffer& body();

  // Ready for the next request of the same connection.
  void reset();
  // An idle connection gives back the room of a large head; a busy one reuses it.
  void releaseHead();

private:
  void startParser();
  size_t fail(int status, const char* body, const char* reason);
  size_t failFrom(const boost::system::error_code& ec);
  // Scans head bytes not seen yet for a line starting with whitespace (obs-fold); false when
  // one is found.
  bool scanHead(const char* data, size_t size);
  // The checks Beast leaves to us, once the head is parsed; false when the request is refused.
  bool checkHead();

  FramingLimits limits_;
  // The head's bytes and fields, kept between requests (declared before parser_, which holds
  // references to them).
  std::string head_;
  std::vector<RequestParser::HeadField> fields_;
  std::optional<RequestParser> parser_;
  State state_ = State::Head;
  FramingError error_;
  bool expectContinue_ = false;
  bool keepAlive_ = false; // as the head decided it
  size_t scanned_ = 0;
  int scan_ = 0; // scanHead's state between calls
};

} // namespace rivet::mtls
