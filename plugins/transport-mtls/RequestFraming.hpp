// Reads the HTTP/1.1 requests of one connection from its bytes, as the agent channel does:
// Boost.Beast's parser does the framing, and the rules RFC 9112 leaves to a strict server are
// checked on top (docs/transport.md "Framing"): no obs-fold, one plain Content-Length, no
// Content-Length beside Transfer-Encoding, `chunked` as the only transfer coding, HTTP/1.0 and
// 1.1 only, limits on the head, the number of fields and the body.
#pragma once

#include "BodyBuffer.hpp"
#include "HeadArena.hpp"

#include <boost/beast/http/parser.hpp>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

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
  RequestFraming(const RequestFraming&) = delete; // the parser points into arena_
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
    for (const auto& f : parser_->get())
      fn(std::string_view(f.name_string().data(), f.name_string().size()),
         std::string_view(f.value().data(), f.value().size()));
  }
  // State::Done: the body (move it out if kept).
  BodyBuffer& body();

  // Ready for the next request of the same connection.
  void reset();
  // An idle connection gives its head arena back (2 KiB); a busy one reuses it.
  void releaseArena() {
    if (!parser_)
      arena_.reset();
  }

private:
  using Parser = boost::beast::http::request_parser<BufferBody, ArenaAllocator<char>>;
  void startParser();
  size_t fail(int status, const char* body, const char* reason);
  size_t failFrom(const boost::system::error_code& ec);
  // Scans head bytes not seen yet for a line starting with whitespace (obs-fold); false when
  // one is found.
  bool scanHead(const char* data, size_t size);
  // The checks Beast leaves to us, once the head is parsed; false when the request is refused.
  bool checkHead();

  FramingLimits limits_;
  std::unique_ptr<HeadArena> arena_; // while a request is read or served
  // The sizes of the chunks announced so far (whole chunk lines only): what the body will hold
  // once the chunk in progress is complete, which the body limit is measured against.
  uint64_t chunkBytes_ = 0;
  std::function<void(std::uint64_t, boost::beast::string_view, boost::system::error_code&)>
      onChunkHeader_; // declared before parser_, which holds a reference to it
  std::optional<Parser> parser_;
  State state_ = State::Head;
  FramingError error_;
  bool expectContinue_ = false;
  size_t scanned_ = 0;
  int scan_ = 0; // scanHead's state between calls
};

} // namespace rivet::mtls
