// Connecting (non-blocking, with deadlines), the request, and the answer: Beast parses the head
// and the chunked framing; body bytes go straight to the SSE reader, so memory stays bounded by
// the head limit, one chunk header, and one SSE line or event.
#include "TaskEventStream.hpp"

#include "BenchSocket.hpp"
#include "LocalNode.hpp"

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include <openssl/err.h>
#include <poll.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <functional>

namespace rivet::ctl {

namespace http = boost::beast::http;
using Clock = std::chrono::steady_clock;

namespace {

// Bytes the HTTP parser may leave unconsumed: an unfinished head or chunk-size line.
constexpr size_t kMaxPending = TaskEventStream::kMaxHead + 4096;

Clock::time_point after(int64_t ms) {
  return Clock::now() + std::chrono::milliseconds(ms);
}

} // namespace

struct TaskEventStream::Parser {
  http::response_parser<http::string_body> http;
  SseParser sse{kMaxLine};
  bool headChecked = false;
  bool eventStream = false; // 200 with text/event-stream: the body is events
  bool sseFailed = false;
  std::string refusalBody; // a chunked answer other than 200
  std::vector<SseEvent>* out = nullptr;
  std::function<size_t(std::uint64_t, boost::beast::string_view, boost::beast::error_code&)>
      onChunk = [this](std::uint64_t, boost::beast::string_view b, boost::beast::error_code& ec) {
        if (!eventStream) {
          size_t room = kMaxRefusalBody - std::min(kMaxRefusalBody, refusalBody.size());
          refusalBody.append(b.data(), std::min(room, b.size()));
        } else if (!sse.feed({b.data(), b.size()}, *out)) {
          sseFailed = true;
          ec = boost::system::errc::make_error_code(boost::system::errc::protocol_error);
          return size_t{0};
        }
        return b.size();
      };

  Parser() {
    http.header_limit(static_cast<std::uint32_t>(kMaxHead));
    http.eager(false); // stop after the head: it decides the body limit
    http.on_chunk_body(onChunk);
  }
};

TaskEventStream::TaskEventStream(const BenchTlsClient& tls, const LocalNode& node)
    : tls_(tls), node_(node) {}

TaskEventStream::~TaskEventStream() {
  close();
}

void TaskEventStream::close() {
  if (ssl_)
    SSL_free(ssl_);
  if (fd_ >= 0)
    ::close(fd_);
  ssl_ = nullptr;
  fd_ = -1;
}

TaskEventStream::Status TaskEventStream::fail(Status s, std::string why) {
  error_ = std::move(why);
  close();
  return s;
}

TaskEventStream::Wait TaskEventStream::waitFor(short events, int wakeFd, int64_t timeoutMs) {
  auto until = after(timeoutMs);
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now());
    if (left.count() < 0)
      return Wait::Timeout;
    pollfd p[2] = {{fd_, events, 0}, {wakeFd, POLLIN, 0}};
    int n = ::poll(p, wakeFd >= 0 ? 2 : 1, static_cast<int>(left.count()));
    if (n < 0 && errno != EINTR)
      return Wait::Failed;
    if (n > 0 && wakeFd >= 0 && (p[1].revents & POLLIN))
      return Wait::Woken;
    if (n > 0 && p[0].revents)
      return Wait::Ready; // readable, writable, or an error the next call reports
    if (n == 0)
      return Wait::Timeout;
  }
}

TaskEventStream::Status TaskEventStream::open(const std::string& taskId, int64_t lastEventId,
                                              int wakeFd, int64_t timeoutMs) {
  close();
  parser_ = std::make_unique<Parser>();
  pending_.clear();
  error_.clear();
  body_.clear();
  status_ = 0;
  const std::string at = node_.host + ":" + std::to_string(node_.port);
  auto until = after(timeoutMs);
  auto left = [&] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now()).count();
  };
  BenchOptions o;
  o.host = node_.host;
  o.port = std::to_string(node_.port);
  bool connected = false;
  std::string why;
  try {
    fd_ = openBenchSocket(resolveBenchTarget(o), 0, connected, why);
  } catch (const std::exception& e) {
    return fail(Status::Dropped, e.what());
  }
  if (fd_ < 0)
    return fail(Status::Dropped, "cannot connect to " + at + ": " + why);
  if (!connected) {
    Wait w = waitFor(POLLOUT, wakeFd, left());
    if (w == Wait::Woken)
      return fail(Status::Interrupted, "interrupted");
    if (w != Wait::Ready)
      return fail(Status::Dropped, "cannot connect to " + at + ": timed out");
    if (int e = connectResult(fd_))
      return fail(Status::Dropped, "cannot connect to " + at + ": " + std::strerror(e));
  }
  ssl_ = tls_.newSsl(fd_, nullptr);
  for (;;) {
    TlsStep step = connectStep(ssl_, why);
    if (step == TlsStep::Done)
      break;
    if (step == TlsStep::Failed)
      return fail(Status::Dropped, "TLS with " + at + " failed: " + why);
    Wait w = waitFor(step == TlsStep::WantRead ? POLLIN : POLLOUT, wakeFd, left());
    if (w == Wait::Woken)
      return fail(Status::Interrupted, "interrupted");
    if (w != Wait::Ready)
      return fail(Status::Dropped, "TLS with " + at + " timed out");
  }
  std::string req = "GET /api/tasks/" + taskId + "/events HTTP/1.1\r\nHost: " + node_.verifyName +
                    "\r\nAccept: text/event-stream\r\n";
  if (lastEventId > 0)
    req += "Last-Event-ID: " + std::to_string(lastEventId) + "\r\n";
  req += "\r\n";
  size_t sent = 0;
  while (sent < req.size()) {
    ERR_clear_error();
    int r = SSL_write(ssl_, req.data() + sent, static_cast<int>(req.size() - sent));
    if (r > 0) {
      sent += static_cast<size_t>(r);
      continue;
    }
    int e = SSL_get_error(ssl_, r);
    if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE)
      return fail(Status::Dropped, "sending to " + at + " failed: " + tlsFailure(ssl_, r, e));
    Wait w = waitFor(e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, wakeFd, left());
    if (w == Wait::Woken)
      return fail(Status::Interrupted, "interrupted");
    if (w != Wait::Ready)
      return fail(Status::Dropped, "sending to " + at + " timed out");
  }
  return Status::Events;
}

TaskEventStream::Status TaskEventStream::consume(std::vector<SseEvent>& out) {
  Parser& p = *parser_;
  p.out = &out;
  while (!pending_.empty()) {
    boost::beast::error_code ec;
    size_t used = p.http.put(boost::asio::buffer(pending_.data(), pending_.size()), ec);
    pending_.erase(0, used);
    if (ec == http::error::need_more)
      break;
    if (ec && p.sseFailed)
      return fail(Status::Invalid, p.sse.error());
    if (ec == http::error::header_limit)
      return fail(Status::Invalid,
                  "the answer's head is over " + std::to_string(kMaxHead) + " bytes");
    if (ec == http::error::body_limit)
      return fail(Status::Invalid, "HTTP " + std::to_string(status_) + " with a body over " +
                                       std::to_string(kMaxRefusalBody) + " bytes");
    if (ec)
      return fail(Status::Invalid, "broken HTTP framing: " + ec.message());
    if (!p.headChecked && p.http.is_header_done()) {
      p.headChecked = true;
      status_ = static_cast<int>(p.http.get().result_int());
      if (status_ == 200) {
        auto type = p.http.get()[http::field::content_type];
        if (type.substr(0, 17) != "text/event-stream")
          return fail(Status::Invalid,
                      "HTTP 200 with Content-Type '" +
                          printable({type.data(), std::min<size_t>(type.size(), 80)}) +
                          "' instead of text/event-stream");
        if (!p.http.chunked())
          return fail(Status::Invalid, "HTTP 200 without chunked framing");
        p.eventStream = true;
        p.http.body_limit(boost::none); // the stream lasts as long as the task
      } else {
        p.http.body_limit(kMaxRefusalBody);
      }
      p.http.eager(true);
    }
    if (p.http.is_done()) {
      if (p.eventStream) {
        close();
        return Status::Ended;
      }
      body_ = p.refusalBody.empty() ? p.http.get().body() : p.refusalBody;
      return fail(Status::Refused, "HTTP " + std::to_string(status_));
    }
    if (used == 0)
      break;
  }
  if (pending_.size() > kMaxPending)
    return fail(Status::Invalid,
                "a line of the HTTP framing is over " + std::to_string(kMaxPending) + " bytes");
  return Status::Events;
}

TaskEventStream::Status TaskEventStream::next(std::vector<SseEvent>& out, int wakeFd,
                                              int64_t idleMs) {
  if (!ssl_)
    return fail(Status::Dropped, error_.empty() ? "not connected" : error_);
  char buf[16384];
  for (;;) {
    ERR_clear_error();
    int r = SSL_read(ssl_, buf, sizeof buf);
    if (r > 0) {
      pending_.append(buf, static_cast<size_t>(r));
      Status s = consume(out);
      if (s != Status::Events || !out.empty())
        return s;
      continue;
    }
    int e = SSL_get_error(ssl_, r);
    if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
      Wait w = waitFor(e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, wakeFd, idleMs);
      if (w == Wait::Woken)
        return Status::Interrupted;
      if (w == Wait::Timeout)
        return fail(Status::Dropped, "nothing arrived for " + std::to_string(idleMs) +
                                         " ms (not even a keep-alive)");
      if (w == Wait::Failed)
        return fail(Status::Dropped, std::string("poll: ") + std::strerror(errno));
      continue;
    }
    if (e == SSL_ERROR_ZERO_RETURN || (e == SSL_ERROR_SYSCALL && ERR_peek_error() == 0)) {
      boost::beast::error_code ec;
      parser_->http.put_eof(ec);
      if (!ec && parser_->http.is_done() && !parser_->eventStream) {
        body_ = parser_->http.get().body();
        return fail(Status::Refused, "HTTP " + std::to_string(status_));
      }
      return fail(Status::Dropped, "the node closed the connection in the middle of the stream");
    }
    return fail(Status::Dropped, "reading the stream failed: " + tlsFailure(ssl_, r, e));
  }
}

std::unique_ptr<BenchTlsClient> streamTlsClient(const LocalNode& node) {
  BenchOptions o;
  o.certFile = node.config.mesh.tls.certPath;
  o.keyFile = node.config.mesh.tls.keyPath;
  o.caFile = node.config.mesh.tls.caPath;
  o.name = node.verifyName;
  return std::make_unique<BenchTlsClient>(o);
}

} // namespace rivet::ctl
