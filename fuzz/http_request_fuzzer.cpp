// libFuzzer target: the agent channel's request framing (plugins/transport-mtls/RequestFraming),
// driven as a connection drives it: reads of varying sizes into one buffer, pipelined requests.
//
// Input: byte 0 picks the limits (odd: small ones, so that every limit is reached), bytes 1-4
// the read sizes (read i takes readSize(byte[1 + i % 4]) bytes: 1 to 128, or 64 to 8192), the
// rest is what the peer sends. The same bytes are also framed as one single read; both must
// give the same requests, because TCP may split a stream anywhere.
#include "RequestFraming.hpp"
#include "rivet/sdk/json.hpp"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

namespace {

using rivet::mtls::FramingLimits;
using rivet::mtls::RequestFraming;
using State = RequestFraming::State;
namespace json = rivet::sdk::json;

constexpr size_t kPrefix = 5;

void check(bool ok) {
  if (!ok)
    __builtin_trap();
}

size_t readSize(uint8_t b) {
  return b < 128 ? size_t{b} + 1 : size_t{b - 127u} * 64;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
    s.remove_suffix(1);
  return s;
}

// The rules of RFC 9112 the framing promises to enforce, checked on the bytes of a head it
// accepted, independently of Beast: size, field count, version, no obs-fold, and one plain
// Content-Length or one Transfer-Encoding that is exactly "chunked".
void checkAcceptedHead(std::string_view head, const FramingLimits& limits) {
  check(head.size() <= limits.maxHeaderBytes);
  check(head.size() >= 4 && head.substr(head.size() - 4) == "\r\n\r\n");
  std::vector<std::string_view> lines;
  for (size_t at = 0; at < head.size();) {
    size_t end = head.find('\n', at);
    check(end != std::string_view::npos);
    std::string_view line = head.substr(at, end - at);
    check(!line.empty() && line.back() == '\r'); // CRLF only
    line.remove_suffix(1);
    lines.push_back(line);
    at = end + 1;
  }
  check(lines.size() >= 2 && lines.back().empty());
  std::string_view requestLine = lines.front();
  check(requestLine.size() > 9);
  std::string_view version = requestLine.substr(requestLine.size() - 9);
  check(version == " HTTP/1.1" || version == " HTTP/1.0");
  size_t fields = lines.size() - 2, lengths = 0, codings = 0;
  check(fields <= limits.maxHeaders);
  for (size_t i = 1; i + 1 < lines.size(); ++i) {
    std::string_view line = lines[i];
    check(line.front() != ' ' && line.front() != '\t'); // no obs-fold
    size_t colon = line.find(':');
    check(colon != std::string_view::npos && colon > 0);
    std::string name = lower(line.substr(0, colon));
    check(name.find_first_of(" \t") == std::string::npos); // RFC 9112 §5.1: 400
    std::string_view value = trim(line.substr(colon + 1));
    if (name == "content-length") {
      ++lengths;
      check(!value.empty() && value.size() <= 19 &&
            value.find_first_not_of("0123456789") == std::string_view::npos);
    } else if (name == "transfer-encoding") {
      ++codings;
      std::vector<std::string> codingList;
      for (size_t at = 0; at <= value.size();) {
        size_t comma = std::min(value.find(',', at), value.size());
        std::string_view item = trim(value.substr(at, comma - at));
        if (!item.empty())
          codingList.push_back(lower(item));
        at = comma + 1;
      }
      check(codingList.size() == 1 && codingList[0] == "chunked");
    }
  }
  check(lengths <= 1 && codings <= 1 && !(lengths && codings));
}

void checkRefusal(const RequestFraming& framing) {
  int status = framing.error().status;
  // 503: no memory for the body (BodyBuffer), the only refusal that is not the peer's fault.
  check(status == 400 || status == 413 || status == 431 || status == 501 || status == 503 ||
        status == 505);
  const char* body = framing.error().body;
  check(body != nullptr && *body != '\0');
  auto parsed = json::tryParse(body);
  check(parsed.has_value() && parsed->isObject() && parsed->getString("error").has_value());
}

// What a connection made of the bytes: each complete request, then how it ended.
struct Outcome {
  std::vector<std::string> requests; // method, target and body of each
  bool failed = false;
};

// Feeds `stream` in reads of the sizes `sizes` gives (cycled), exactly as the server's
// connection does, and checks every invariant on the way.
Outcome frame(std::string_view stream, const FramingLimits& limits,
              const std::vector<size_t>& sizes) {
  Outcome outcome;
  RequestFraming framing(limits);
  std::string buffer;   // the connection's bytes not consumed yet
  size_t headBytes = 0; // consumed while in State::Head, for this request
  size_t offset = 0, reads = 0;
  bool open = true;
  // Once the peer has sent everything, what is left in the buffer is an incomplete request.
  while (open && offset < stream.size()) {
    size_t read = std::min(sizes[reads++ % sizes.size()], stream.size() - offset);
    buffer.append(stream.substr(offset, read));
    offset += read;
    for (;;) {
      const State before = framing.state();
      const size_t offered = buffer.size();
      const size_t consumed = framing.feed(buffer.data(), buffer.size());
      check(consumed <= offered);
      const State after = framing.state();
      if (before == State::Head)
        headBytes += consumed;
      if (before == State::Head && after != State::Head && after != State::Failed)
        checkAcceptedHead(std::string_view(buffer.data(), consumed), limits);
      buffer.erase(0, consumed);
      if (after == State::Failed) {
        checkRefusal(framing);
        outcome.failed = true;
        open = false; // the connection answers and closes
        break;
      }
      check(headBytes <= limits.maxHeaderBytes); // the head is bounded, however it arrives
      if (after == State::Head) {
        check(buffer.size() <= limits.maxHeaderBytes + read); // no unbounded buffering
        if (consumed == 0)
          break;
        continue;
      }
      // From here the head is accepted: what the connection looks at before the body.
      check(!framing.method().empty() && !framing.target().empty());
      auto length = framing.contentLength();
      check(!length || *length <= limits.maxBodyBytes); // 413 before the body, never after
      check(framing.bodyBytes() <= limits.maxBodyBytes);
      (void)framing.expectContinue();
      (void)framing.headRequest();
      if (after == State::Body) {
        // Bytes left over in the body are a partial chunk line: as bounded as a head.
        check(buffer.size() <= limits.maxHeaderBytes + read);
        if (consumed == 0)
          break;
        continue;
      }
      const rivet::mtls::BodyBuffer& body = framing.body();
      check(body.size() <= limits.maxBodyBytes);
      check(!length || body.size() == *length);
      outcome.requests.push_back(std::string(framing.method()) + " " +
                                 std::string(framing.target()) + " " + std::string(body.view()));
      bool keepAlive = framing.keepAlive();
      framing.reset();
      headBytes = 0;
      if (!keepAlive) {
        open = false; // the connection answers this one and closes
        break;
      }
    }
  }
  return outcome;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < kPrefix)
    return 0;
  FramingLimits limits; // the channel's defaults
  if (data[0] & 1) {
    limits.maxBodyBytes = 4096;
    limits.maxHeaderBytes = 1024;
    limits.maxHeaders = 10;
  }
  std::vector<size_t> sizes;
  for (size_t i = 1; i < kPrefix; ++i)
    sizes.push_back(readSize(data[i]));
  std::string_view stream(reinterpret_cast<const char*>(data) + kPrefix, size - kPrefix);
  Outcome split = frame(stream, limits, sizes);
  Outcome whole = frame(stream, limits, {stream.size() + 1});
  // The same requests however the bytes were split. A split stream may still be waiting where
  // the single read is refused (Beast checks some fields only once it has the whole head; the
  // head limit or the head timeout ends the wait), never the other way round.
  check(split.requests == whole.requests);
  check(!split.failed || whole.failed);
  return 0;
}
