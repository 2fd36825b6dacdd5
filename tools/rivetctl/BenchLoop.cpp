// The load generator's event loop: level-triggered epoll over non-blocking sockets, OpenSSL's
// WANT_READ/WANT_WRITE mapped to epoll interest, one request in flight per connection.
// --hold opens the connections a window at a time and parks each after its first answer.
#include "BenchLoop.hpp"

#include <openssl/err.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <sstream>
#include <stdexcept>

namespace rivet::ctl {

namespace {

constexpr auto kTimerPeriod = std::chrono::milliseconds(20);
constexpr auto kRetryDelay = std::chrono::milliseconds(1); // after a failed request
constexpr auto kDrain = std::chrono::seconds(1);           // for requests in flight at the end

} // namespace

BenchLoop::BenchLoop(const BenchOptions& options, const BenchTlsClient& tls,
                     const BenchTarget& target, const std::string& request, BenchSchedule& schedule,
                     unsigned connections)
    : options_(options), tls_(tls), target_(target), request_(request), schedule_(schedule),
      hold_(options.hold > 0), capturing_(options.printResponse) {
  epfd_ = epoll_create1(EPOLL_CLOEXEC);
  if (epfd_ < 0)
    throw std::runtime_error(std::string("epoll_create1 failed: ") + std::strerror(errno));
  for (unsigned i = 0; i < connections; ++i) {
    conns_.push_back(std::make_unique<Conn>());
    conns_.back()->slot = i;
  }
  window_ = std::max(1u, options.openWindow / std::max(1u, options.threads));
  stats_.latenciesNs.reserve(1 << 16);
}

BenchLoop::~BenchLoop() {
  for (auto& c : conns_) {
    closeConnection(*c, false);
    if (c->session)
      SSL_SESSION_free(c->session);
  }
  close(epfd_);
}

void BenchLoop::run() {
  auto now = BenchClock::now();
  if (hold_) {
    openDeadline_ = now + std::chrono::duration_cast<BenchClock::duration>(
                              std::chrono::duration<double>(options_.openSeconds));
    startOpenings(now);
  } else {
    for (auto& c : conns_)
      startRequest(*c, now);
  }
  auto lastTimers = now;
  epoll_event events[64];
  // After the measurement, requests in flight may finish (uncounted) so that the server sees
  // orderly closes; whatever is still open after the drain is reported as unfinished.
  const bool bounded = schedule_.measureEnd != BenchClock::time_point::max();
  const auto drainEnd = bounded ? schedule_.measureEnd + kDrain : schedule_.measureEnd;
  while (hold_ ? !schedule_.stop.load() : idle_ < conns_.size()) {
    now = BenchClock::now();
    if (now >= drainEnd)
      break;
    int timeoutMs = backoff_ > 0 ? 1 : 20;
    if (bounded) {
      auto until = now < schedule_.measureEnd ? schedule_.measureEnd : drainEnd;
      auto left = std::chrono::ceil<std::chrono::milliseconds>(until - now).count();
      timeoutMs = static_cast<int>(std::min<long long>(timeoutMs, std::max<long long>(left, 1)));
    }
    int n = epoll_wait(epfd_, events, 64, timeoutMs);
    if (n < 0 && errno != EINTR)
      throw std::runtime_error(std::string("epoll_wait failed: ") + std::strerror(errno));
    for (int i = 0; i < n; ++i)
      onEvent(*static_cast<Conn*>(events[i].data.ptr), events[i].events);
    now = BenchClock::now();
    if (hold_)
      startOpenings(now);
    if (backoff_ > 0 || (now - lastTimers >= kTimerPeriod && (!hold_ || opening_ > 0))) {
      checkTimers(now);
      lastTimers = now;
    }
  }
  if (hold_) {
    stats_.held = held_;
    stats_.notStarted = conns_.size() - nextSlot_;
  }
  for (auto& c : conns_)
    if (c->state == State::Held) {
      closeConnection(*c, true); // close_notify: the end of the hold, not a failure
      c->state = State::Idle;
    } else if (c->state != State::Idle && c->state != State::Backoff) {
      ++stats_.unfinished;
      stats_.oldestUnfinishedNs = std::max<std::uint64_t>(
          stats_.oldestUnfinishedNs,
          std::chrono::duration_cast<std::chrono::nanoseconds>(now - c->start).count());
    }
  stats_.end = std::min(now, schedule_.measureEnd);
}

void BenchLoop::startRequest(Conn& c, BenchClock::time_point now) {
  if (!schedule_.take(now)) {
    closeConnection(c, true);
    c.state = State::Idle;
    ++idle_;
    return;
  }
  c.start = now;
  c.measured = now >= schedule_.measureStart;
  c.deadline = now + std::chrono::duration_cast<BenchClock::duration>(
                         std::chrono::duration<double>(options_.timeoutSeconds));
  c.parser.reset();
  if (capturing_)
    capture_.clear();
  if (c.fd < 0) {
    openConnection(c);
  } else {
    c.state = State::Writing;
    writeRequest(c);
  }
}

void BenchLoop::startOpenings(BenchClock::time_point now) {
  while (opening_ < window_ && nextSlot_ < conns_.size() && now < openDeadline_) {
    Conn& c = *conns_[nextSlot_++];
    c.opening = true;
    ++opening_;
    startRequest(c, now);
  }
  if (opening_ == 0 && (nextSlot_ == conns_.size() || now >= openDeadline_))
    openingDone_ = true;
}

void BenchLoop::openConnection(Conn& c) {
  bool connected = false;
  std::string error;
  c.fd = openBenchSocket(target_, c.slot, connected, error);
  if (c.fd < 0)
    return fail(c, BenchError::Connect, error);
  epoll_event ev{};
  ev.events = EPOLLOUT;
  ev.data.ptr = &c;
  if (epoll_ctl(epfd_, EPOLL_CTL_ADD, c.fd, &ev) != 0)
    return fail(c, BenchError::Connect, std::string("epoll_ctl: ") + std::strerror(errno));
  c.interest = EPOLLOUT;
  c.state = State::Connecting;
  ++stats_.connections;
  if (connected)
    onEvent(c, EPOLLOUT); // loopback often connects at once: go straight to the handshake
}

void BenchLoop::onEvent(Conn& c, unsigned events) {
  (void)events; // the TLS calls below find out what the event means
  switch (c.state) {
  case State::Connecting: {
    if (int err = connectResult(c.fd))
      return fail(c, BenchError::Connect, std::strerror(err));
    c.state = State::Handshaking;
    try {
      c.ssl = tls_.newSsl(c.fd, options_.resume ? &c.session : nullptr);
    } catch (const std::exception& e) {
      return fail(c, BenchError::Handshake, e.what());
    }
    return handshake(c);
  }
  case State::Handshaking:
    return handshake(c);
  case State::Writing:
    return writeRequest(c);
  case State::Reading:
    return readResponse(c);
  case State::Held:
    return onHeldEvent(c);
  case State::Idle:
  case State::Backoff:
    return;
  }
}

void BenchLoop::handshake(Conn& c) {
  std::string why;
  TlsStep step = connectStep(c.ssl, why);
  if (step == TlsStep::Failed)
    return fail(c, BenchError::Handshake, why);
  if (step != TlsStep::Done) {
    setInterest(c, step == TlsStep::WantRead ? EPOLLIN : EPOLLOUT);
    return;
  }
  ++stats_.handshakes;
  if (SSL_session_reused(c.ssl))
    ++stats_.resumed;
  c.state = State::Writing;
  writeRequest(c);
}

void BenchLoop::writeRequest(Conn& c) {
  ERR_clear_error();
  int r = SSL_write(c.ssl, request_.data(), static_cast<int>(request_.size()));
  if (r > 0) { // without SSL_MODE_ENABLE_PARTIAL_WRITE, success means all of it
    c.state = State::Reading;
    if (setInterest(c, EPOLLIN) && SSL_has_pending(c.ssl))
      readResponse(c);
    return;
  }
  int e = SSL_get_error(c.ssl, r);
  if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
    return want(c, e);
  fail(c, BenchError::Write, tlsFailure(c.ssl, r, e));
}

void BenchLoop::readResponse(Conn& c) {
  char buf[16384];
  for (;;) {
    ERR_clear_error();
    int r = SSL_read(c.ssl, buf, sizeof buf);
    if (r > 0) {
      if (capturing_)
        capture_.append(buf, static_cast<std::size_t>(r));
      auto result = c.parser.feed(buf, static_cast<std::size_t>(r));
      if (result == BenchResponseParser::Result::Done)
        return finishRequest(c);
      if (result == BenchResponseParser::Result::Error)
        return fail(c, BenchError::Parse, c.parser.error());
      continue;
    }
    int e = SSL_get_error(c.ssl, r);
    if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
      return want(c, e);
    // Unexpected EOF is reported as ZERO_RETURN (SSL_OP_IGNORE_UNEXPECTED_EOF).
    if (e == SSL_ERROR_ZERO_RETURN) {
      if (c.parser.feedEof() == BenchResponseParser::Result::Done)
        return finishRequest(c);
      return fail(c, BenchError::Read, c.parser.error());
    }
    return fail(c, BenchError::Read, tlsFailure(c.ssl, r, e));
  }
}

void BenchLoop::finishRequest(Conn& c) {
  auto now = BenchClock::now();
  capturing_ = false;
  int status = c.parser.status();
  if (status < 200 || status > 299)
    return fail(c, BenchError::Status, "HTTP " + std::to_string(status));
  ++stats_.answeredTotal;
  if (c.measured && now <= schedule_.measureEnd) {
    stats_.latenciesNs.push_back(static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(now - c.start).count()));
    stats_.bodyBytes += c.parser.bodyBytes();
  }
  if (hold_) {
    if (!c.parser.keepAlive())
      return fail(c, BenchError::Read, "the server closes the connection after its answer");
    if (!setInterest(c, EPOLLIN | EPOLLRDHUP)) // a close while idle wakes us
      return;
    c.opening = false;
    --opening_;
    c.state = State::Held;
    ++held_;
    return;
  }
  if (options_.newConnection || !c.parser.keepAlive())
    closeConnection(c, true);
  startRequest(c, now);
}

void BenchLoop::fail(Conn& c, BenchError kind, const std::string& why) {
  if (c.measured)
    ++stats_.errors[static_cast<std::size_t>(kind)];
  if (stats_.firstError.empty())
    stats_.firstError = std::string(benchErrorName(kind)) + ": " + why;
  closeConnection(c, false);
  if (hold_) { // no second try: each held connection is opened once
    if (c.opening) {
      c.opening = false;
      --opening_;
    }
    c.state = State::Idle;
    return;
  }
  c.state = State::Backoff;
  c.retryAt = BenchClock::now() + kRetryDelay;
  ++backoff_;
}

void BenchLoop::onHeldEvent(Conn& c) {
  char buf[4096];
  for (;;) {
    ERR_clear_error();
    int r = SSL_read(c.ssl, buf, sizeof buf);
    if (r > 0)
      continue; // something the server sent unasked: still open until it closes
    if (SSL_get_error(c.ssl, r) == SSL_ERROR_WANT_READ)
      return; // a late TLS record (a session ticket): still open
    break;
  }
  --held_;
  ++stats_.closedByServer;
  if (stats_.firstError.empty())
    stats_.firstError = "closed by the server while held idle";
  closeConnection(c, false);
  c.state = State::Idle;
}

void BenchLoop::closeConnection(Conn& c, bool graceful) {
  if (c.ssl) {
    // close_notify keeps the session resumable; without it OpenSSL marks it not resumable.
    if (graceful && SSL_is_init_finished(c.ssl))
      SSL_shutdown(c.ssl);
    ERR_clear_error();
    SSL_free(c.ssl);
    c.ssl = nullptr;
  }
  if (c.fd >= 0) {
    close(c.fd); // also leaves the epoll set
    c.fd = -1;
    c.interest = 0;
  }
}

void BenchLoop::want(Conn& c, int sslError) {
  setInterest(c, sslError == SSL_ERROR_WANT_READ ? EPOLLIN : EPOLLOUT);
}

bool BenchLoop::setInterest(Conn& c, unsigned events) {
  if (c.interest == events)
    return true;
  epoll_event ev{};
  ev.events = events;
  ev.data.ptr = &c;
  if (epoll_ctl(epfd_, EPOLL_CTL_MOD, c.fd, &ev) != 0) {
    fail(c, BenchError::Connect, std::string("epoll_ctl: ") + std::strerror(errno));
    return false;
  }
  c.interest = events;
  return true;
}

void BenchLoop::checkTimers(BenchClock::time_point now) {
  for (auto& p : conns_) {
    Conn& c = *p;
    if (c.state == State::Backoff && now >= c.retryAt) {
      --backoff_;
      c.state = State::Idle;
      startRequest(c, now);
    } else if (c.state != State::Idle && c.state != State::Backoff && c.state != State::Held &&
               now >= c.deadline) {
      std::ostringstream why;
      why << "no complete answer within " << options_.timeoutSeconds << " s";
      fail(c, BenchError::Timeout, why.str());
    }
  }
}

} // namespace rivet::ctl
