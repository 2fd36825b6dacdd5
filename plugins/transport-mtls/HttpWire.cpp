// HTTP/1.1 head parsing and body framing; responses with a cached Date header.
#include "HttpWire.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstring>
#include <ctime>

namespace rivet::mtls {
namespace {

constexpr size_t kReadChunk = 16384;

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size())
    return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  return true;
}

bool icontains(std::string_view hay, std::string_view needle) {
  if (needle.size() > hay.size())
    return false;
  for (size_t i = 0; i + needle.size() <= hay.size(); ++i)
    if (iequals(hay.substr(i, needle.size()), needle))
      return true;
  return false;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

ReadResult fromIo(IoStatus s) {
  switch (s) {
  case IoStatus::Ok:
    return ReadResult::Ok;
  case IoStatus::Timeout:
    return ReadResult::Timeout;
  case IoStatus::Closed:
    return ReadResult::Closed;
  default:
    return ReadResult::Error;
  }
}

// "Fri, 27 Nov 2026 01:12:43 GMT", formatted at most once a second per thread.
std::string_view httpDate() {
  thread_local std::time_t cached = 0;
  thread_local char text[40];
  std::time_t now = std::time(nullptr);
  if (now != cached) {
    std::tm tm{};
    gmtime_r(&now, &tm);
    std::strftime(text, sizeof text, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    cached = now;
  }
  return text;
}

// True when `headers` ("Name: value\r\n" lines) has a Content-Type line.
bool hasContentType(std::string_view headers) {
  constexpr std::string_view kName = "content-type:";
  size_t at = 0;
  while (at < headers.size()) {
    size_t end = headers.find("\r\n", at);
    std::string_view line =
        headers.substr(at, end == std::string_view::npos ? std::string_view::npos : end - at);
    if (line.size() >= kName.size() &&
        std::equal(kName.begin(), kName.end(), line.begin(),
                   [](char a, char b) { return a == std::tolower(static_cast<unsigned char>(b)); }))
      return true;
    if (end == std::string_view::npos)
      break;
    at = end + 2;
  }
  return false;
}

} // namespace

ReadResult HttpReader::fill(const Deadline& d) {
  if (begin_ > 0 && begin_ == end_)
    begin_ = end_ = 0;
  if (buf_.size() - end_ < kReadChunk) {
    if (begin_ > 0) {
      buf_.erase(0, begin_);
      end_ -= begin_;
      begin_ = 0;
    }
    buf_.resize(std::max(buf_.size(), end_ + kReadChunk));
  }
  size_t got = 0;
  IoStatus st = socket_.read(&buf_[end_], buf_.size() - end_, got, d);
  if (st != IoStatus::Ok)
    return fromIo(st);
  end_ += got;
  return ReadResult::Ok;
}

ReadResult HttpReader::readHead(bool request, size_t maxHead, const Deadline& firstByte,
                                std::chrono::milliseconds headTimeout, MessageHead& head) {
  size_t scanned = 0; // bytes after begin_ already searched for the end of the head
  bool started = hasBuffered();
  Deadline whole = started ? Deadline::in(headTimeout) : firstByte;
  for (;;) {
    std::string_view data(buf_.data() + begin_, end_ - begin_);
    // Tolerate empty lines between messages (RFC 9112 §2.2).
    while (request && data.substr(0, 2) == "\r\n") {
      begin_ += 2;
      data.remove_prefix(2);
      scanned = 0;
    }
    size_t endOfHead = data.find("\r\n\r\n", scanned > 3 ? scanned - 3 : 0);
    if (endOfHead != std::string_view::npos) {
      std::string_view text = data.substr(0, endOfHead + 2);
      begin_ += endOfHead + 4;
      return parseHead(request, text, head) ? ReadResult::Ok : ReadResult::Malformed;
    }
    if (data.size() > maxHead)
      return ReadResult::TooLarge;
    scanned = data.size(); // fill() may move the buffer but keeps this offset from begin_
    ReadResult r = fill(started ? whole : firstByte);
    if (r != ReadResult::Ok)
      return r;
    if (!started) {
      started = true;
      whole = Deadline::in(headTimeout);
    }
  }
}

bool HttpReader::parseHead(bool request, std::string_view text, MessageHead& head) {
  head = MessageHead{};
  size_t eol = text.find("\r\n");
  std::string_view first = text.substr(0, eol);
  std::string_view version;
  if (request) {
    size_t sp1 = first.find(' ');
    size_t sp2 = first.rfind(' ');
    if (sp1 == std::string_view::npos || sp2 == sp1)
      return false;
    head.method = std::string(first.substr(0, sp1));
    head.target = std::string(first.substr(sp1 + 1, sp2 - sp1 - 1));
    version = first.substr(sp2 + 1);
  } else {
    size_t sp1 = first.find(' ');
    if (sp1 == std::string_view::npos || first.size() < sp1 + 4)
      return false;
    version = first.substr(0, sp1);
    auto digits = first.substr(sp1 + 1, 3);
    if (std::from_chars(digits.data(), digits.data() + 3, head.status).ec != std::errc())
      return false;
  }
  if (version.size() != 8 || version.substr(0, 7) != "HTTP/1.")
    return false;
  head.minorVersion = version[7] - '0';
  head.keepAlive = head.minorVersion >= 1;
  size_t pos = eol + 2;
  while (pos < text.size()) {
    size_t next = text.find("\r\n", pos);
    std::string_view line = text.substr(pos, next - pos);
    pos = next + 2;
    size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0)
      return false;
    std::string_view name = line.substr(0, colon);
    std::string_view value = trim(line.substr(colon + 1));
    if (iequals(name, "content-length")) {
      size_t n = 0;
      auto r = std::from_chars(value.data(), value.data() + value.size(), n);
      if (r.ec != std::errc() || r.ptr != value.data() + value.size())
        return false;
      if (head.hasLength && n != head.contentLength)
        return false;
      head.hasLength = true;
      head.contentLength = n;
    } else if (iequals(name, "transfer-encoding")) {
      head.chunked = icontains(value, "chunked");
    } else if (iequals(name, "connection")) {
      if (icontains(value, "close"))
        head.keepAlive = false;
      else if (icontains(value, "keep-alive"))
        head.keepAlive = true;
    } else if (iequals(name, "expect")) {
      head.expectContinue = iequals(value, "100-continue");
    }
  }
  if (head.chunked)
    head.hasLength = false; // RFC 9112 §6.3: Transfer-Encoding wins
  return true;
}

ReadResult HttpReader::readExact(size_t n, const Deadline& d, std::string& out) {
  while (end_ - begin_ < n) {
    size_t have = end_ - begin_;
    out.append(buf_, begin_, have);
    n -= have;
    begin_ = end_ = 0;
    ReadResult r = fill(d);
    if (r != ReadResult::Ok)
      return r;
  }
  out.append(buf_, begin_, n);
  begin_ += n;
  return ReadResult::Ok;
}

ReadResult HttpReader::readLine(size_t max, const Deadline& d, std::string& line) {
  for (;;) {
    std::string_view data(buf_.data() + begin_, end_ - begin_);
    size_t eol = data.find("\r\n");
    if (eol != std::string_view::npos) {
      line.assign(data.substr(0, eol));
      begin_ += eol + 2;
      return ReadResult::Ok;
    }
    if (data.size() > max)
      return ReadResult::Malformed;
    ReadResult r = fill(d);
    if (r != ReadResult::Ok)
      return r;
  }
}

ReadResult HttpReader::readChunked(size_t maxBody, const Deadline& d, std::string& body,
                                   BudgetShare* share) {
  std::string line;
  for (;;) {
    ReadResult r = readLine(1024, d, line);
    if (r != ReadResult::Ok)
      return r;
    size_t size = 0;
    auto hex = trim(std::string_view(line).substr(0, line.find(';')));
    auto conv = std::from_chars(hex.data(), hex.data() + hex.size(), size, 16);
    if (conv.ec != std::errc() || hex.empty())
      return ReadResult::Malformed;
    if (size == 0)
      break;
    if (body.size() + size > maxBody)
      return ReadResult::TooLarge;
    if (share && !share->growTo(body.size() + size))
      return ReadResult::OverBudget;
    // Past 64 KiB, reserve the limit once: untouched pages cost no memory, and no reallocation
    // ever holds two copies of a large body.
    if (body.size() + size > 64 * 1024 && body.capacity() < maxBody)
      body.reserve(maxBody);
    r = readExact(size, d, body);
    if (r == ReadResult::Ok)
      r = readLine(2, d, line);
    if (r != ReadResult::Ok)
      return r;
  }
  do { // trailers, up to the empty line
    ReadResult r = readLine(8192, d, line);
    if (r != ReadResult::Ok)
      return r;
  } while (!line.empty());
  return ReadResult::Ok;
}

ReadResult HttpReader::readBody(const MessageHead& head, size_t maxBody, const Deadline& d,
                                std::string& body, BudgetShare* share) {
  body.clear();
  if (head.chunked)
    return readChunked(maxBody, d, body, share);
  if (head.hasLength) {
    if (head.contentLength > maxBody)
      return ReadResult::TooLarge;
    if (share && !share->growTo(head.contentLength))
      return ReadResult::OverBudget;
    body.reserve(head.contentLength);
    return readExact(head.contentLength, d, body);
  }
  if (head.method.empty() && head.status != 204 && head.status != 304 &&
      head.status >= 200) { // a response without length: until the peer closes
    for (;;) {
      body.append(buf_, begin_, end_ - begin_);
      begin_ = end_ = 0;
      if (body.size() > maxBody)
        return ReadResult::TooLarge;
      if (share && !share->growTo(body.size()))
        return ReadResult::OverBudget;
      ReadResult r = fill(d);
      if (r == ReadResult::Closed)
        return ReadResult::Ok;
      if (r != ReadResult::Ok)
        return r;
    }
  }
  return ReadResult::Ok;
}

const char* reasonPhrase(int status) {
  switch (status) {
  case 100:
    return "Continue";
  case 200:
    return "OK";
  case 201:
    return "Created";
  case 202:
    return "Accepted";
  case 204:
    return "No Content";
  case 400:
    return "Bad Request";
  case 403:
    return "Forbidden";
  case 404:
    return "Not Found";
  case 405:
    return "Method Not Allowed";
  case 408:
    return "Request Timeout";
  case 413:
    return "Payload Too Large";
  case 429:
    return "Too Many Requests";
  case 431:
    return "Request Header Fields Too Large";
  case 500:
    return "Internal Server Error";
  case 501:
    return "Not Implemented";
  case 503:
    return "Service Unavailable";
  case 505:
    return "HTTP Version Not Supported";
  default:
    return "Status";
  }
}

void appendResponse(std::string& out, int status, std::string_view extraHeaders,
                    std::string_view body, bool keepAlive, bool headOnly, int keepAliveSeconds) {
  // The fixed part of the head is written into this buffer and appended once: every answer
  // passes here, and a dozen appends cost more than the rest of the formatting.
  char head[320];
  size_t n = 0;
  auto put = [&](std::string_view part) {
    std::memcpy(head + n, part.data(), part.size());
    n += part.size();
  };
  auto number = [&](int64_t v) {
    n = static_cast<size_t>(std::to_chars(head + n, head + n + 24, v).ptr - head);
  };
  put("HTTP/1.1 ");
  number(status);
  put(" ");
  put(reasonPhrase(status)); // at most 40 bytes, like every other part
  // The host's own Content-Type (an A2A answer's, say) replaces the default.
  if (!hasContentType(extraHeaders))
    put("\r\nContent-Type: application/json");
  put("\r\nContent-Length: ");
  number(static_cast<int64_t>(body.size()));
  if (keepAlive) {
    put("\r\nConnection: keep-alive\r\nKeep-Alive: timeout=");
    number(keepAliveSeconds);
  } else {
    put("\r\nConnection: close");
  }
  put("\r\nDate: ");
  put(httpDate());
  put("\r\n");
  out.reserve(out.size() + n + extraHeaders.size() + 2 + (headOnly ? 0 : body.size()));
  out.append(head, n).append(extraHeaders).append("\r\n");
  if (!headOnly)
    out.append(body);
}

void appendStreamHead(std::string& out, int status, std::string_view extraHeaders, bool keepAlive) {
  char code[8];
  auto codeEnd = std::to_chars(code, code + sizeof code, status).ptr;
  out.append("HTTP/1.1 ").append(code, codeEnd).append(" ").append(reasonPhrase(status));
  out.append("\r\nTransfer-Encoding: chunked");
  out.append(keepAlive ? "\r\nConnection: keep-alive" : "\r\nConnection: close");
  out.append("\r\nDate: ").append(httpDate()).append("\r\n");
  out.append(extraHeaders);
  out.append("\r\n");
}

void appendChunk(std::string& out, std::string_view data) {
  if (data.empty())
    return; // an empty chunk would end the body
  char size[20];
  auto end = std::to_chars(size, size + sizeof size, data.size(), 16).ptr;
  out.append(size, end).append("\r\n").append(data).append("\r\n");
}

} // namespace rivet::mtls
