// The slow-loris load: one epoll thread, a 10 ms tick that sends each connection its next byte
// when due, a reopen 100 ms after the server closes one. The handshake stage trickles a real
// ClientHello (made once with memory BIOs); the head stage a head of endless header lines.
#include "BenchSlowLoris.hpp"

#include "BenchReport.hpp"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <iomanip>
#include <sstream>
#include <stdexcept>

namespace rivet::ctl {

namespace {

constexpr auto kReopenDelay = std::chrono::milliseconds(100);
constexpr auto kSamplePeriod = std::chrono::milliseconds(100);
constexpr int kTickMs = 10;

BenchClock::duration seconds(double s) {
  return std::chrono::duration_cast<BenchClock::duration>(std::chrono::duration<double>(s));
}

double msBetween(BenchClock::time_point a, BenchClock::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

// The first flight of a real handshake with this client's settings.
std::string clientHello(const BenchTlsClient& tls) {
  SSL* ssl = tls.newSsl(nullptr);
  SSL_set_bio(ssl, BIO_new(BIO_s_mem()), BIO_new(BIO_s_mem()));
  ERR_clear_error();
  SSL_connect(ssl); // wants the ServerHello now; the ClientHello is in the write BIO
  char* data = nullptr;
  long n = BIO_get_mem_data(SSL_get_wbio(ssl), &data);
  std::string hello(data ? data : "", n > 0 ? static_cast<std::size_t>(n) : 0);
  SSL_free(ssl);
  ERR_clear_error();
  if (hello.empty())
    throw std::runtime_error("could not make a TLS ClientHello to trickle");
  return hello;
}

} // namespace

BenchSlowLoris::BenchSlowLoris(const BenchOptions& options, const BenchTlsClient& tls,
                               const BenchTarget& target)
    : options_(options), tls_(tls), target_(target), conns_(options.slowloris),
      interval_(seconds(options.trickleSeconds)) {
  epfd_ = epoll_create1(EPOLL_CLOEXEC);
  if (epfd_ < 0)
    throw std::runtime_error(std::string("epoll_create1 failed: ") + std::strerror(errno));
  for (std::size_t i = 0; i < conns_.size(); ++i)
    conns_[i].slot = i;
  if (options.trickleHead) {
    prefix_ = "GET " + options.path + " HTTP/1.1\r\nHost: " + options.name +
              "\r\nUser-Agent: rivetctl-bench-slowloris\r\n";
    filler_ = "X-Slow: aaaaaaaaaaaaaaaa\r\n";
  } else {
    prefix_ = clientHello(tls);
  }
}

BenchSlowLoris::~BenchSlowLoris() {
  for (auto& c : conns_)
    close(c, {});
  ::close(epfd_);
}

char BenchSlowLoris::byteAt(std::size_t i) const {
  return i < prefix_.size() ? prefix_[i] : filler_[(i - prefix_.size()) % filler_.size()];
}

void BenchSlowLoris::run(const std::atomic<bool>& stop) {
  const auto start = BenchClock::now();
  const auto openDeadline = start + seconds(options_.openSeconds);
  auto lastSample = start;
  std::size_t everTrickled = 0;
  epoll_event events[64];
  while (!stop) {
    int n = epoll_wait(epfd_, events, 64, kTickMs);
    if (n < 0 && errno != EINTR)
      throw std::runtime_error(std::string("epoll_wait failed: ") + std::strerror(errno));
    for (int i = 0; i < n; ++i)
      onEvent(*static_cast<Conn*>(events[i].data.ptr));
    const auto now = BenchClock::now();
    everTrickled = 0;
    for (auto& c : conns_) {
      everTrickled += c.everTrickled;
      if (now < c.at)
        continue;
      if (c.state == State::Waiting && opening_ < options_.openWindow &&
          (c.everTrickled || now < openDeadline))
        open(c, now);
      else if (c.state == State::Connecting || c.state == State::Handshaking)
        fail(c, BenchError::Timeout, "not connected and through the handshake in time");
      else if (c.state == State::Trickling)
        trickle(c, now);
    }
    if (!openingDone_ && (everTrickled == conns_.size() || now >= openDeadline))
      openingDone_ = true;
    if (openingDone_ && now - lastSample >= kSamplePeriod) {
      double open = trickling_;
      openSum_ += open;
      openMin_ = openSamples_ == 0 ? open : std::min(openMin_, open);
      ++openSamples_;
      lastSample = now;
    }
  }
}

void BenchSlowLoris::open(Conn& c, BenchClock::time_point now) {
  bool connected = false;
  std::string error;
  c.fd = openBenchSocket(target_, c.slot, connected, error);
  if (c.fd < 0)
    return fail(c, BenchError::Connect, error);
  ++opened_;
  ++opening_;
  c.opened = now;
  c.sent = 0;
  c.at = now + seconds(options_.timeoutSeconds);
  c.state = State::Connecting;
  epoll_event ev{};
  ev.events = EPOLLOUT;
  ev.data.ptr = &c;
  if (epoll_ctl(epfd_, EPOLL_CTL_ADD, c.fd, &ev) != 0)
    return fail(c, BenchError::Connect, std::string("epoll_ctl: ") + std::strerror(errno));
  if (connected)
    onEvent(c);
}

void BenchSlowLoris::onEvent(Conn& c) {
  switch (c.state) {
  case State::Connecting: {
    if (int err = connectResult(c.fd))
      return fail(c, BenchError::Connect, std::strerror(err));
    if (!options_.trickleHead)
      return startTrickling(c, BenchClock::now());
    try {
      c.ssl = tls_.newSsl(c.fd, nullptr);
    } catch (const std::exception& e) {
      return fail(c, BenchError::Handshake, e.what());
    }
    c.state = State::Handshaking;
    return handshake(c);
  }
  case State::Handshaking:
    return handshake(c);
  case State::Trickling:
    return drain(c);
  case State::Waiting:
    return;
  }
}

void BenchSlowLoris::handshake(Conn& c) {
  std::string why;
  TlsStep step = connectStep(c.ssl, why);
  if (step == TlsStep::Done) {
    ++handshakes_;
    startTrickling(c, BenchClock::now());
  } else if (step == TlsStep::Failed) {
    fail(c, BenchError::Handshake, why);
  } else {
    setInterest(c, step == TlsStep::WantRead ? EPOLLIN : EPOLLOUT);
  }
}

void BenchSlowLoris::startTrickling(Conn& c, BenchClock::time_point now) {
  if (!setInterest(c, EPOLLIN | EPOLLRDHUP)) // the server's close wakes us
    return;
  --opening_;
  ++trickling_;
  c.state = State::Trickling;
  c.everTrickled = true;
  c.at = now;
  trickle(c, now);
}

void BenchSlowLoris::trickle(Conn& c, BenchClock::time_point now) {
  if (!options_.trickleHead && c.sent >= prefix_.size()) {
    c.at = BenchClock::time_point::max(); // the whole ClientHello is out: wait for the end
    return;
  }
  char b = byteAt(c.sent);
  bool sent = false, retry = false;
  if (c.ssl) {
    ERR_clear_error();
    int r = SSL_write(c.ssl, &b, 1);
    int e = r == 1 ? SSL_ERROR_NONE : SSL_get_error(c.ssl, r);
    sent = r == 1;
    retry = e == SSL_ERROR_WANT_WRITE || e == SSL_ERROR_WANT_READ;
  } else {
    ssize_t r = send(c.fd, &b, 1, MSG_NOSIGNAL);
    sent = r == 1;
    retry = r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
  }
  if (!sent && !retry)
    return closedByServer(c);
  if (sent) {
    ++c.sent;
    ++bytesSent_;
    c.at = std::max(c.at + interval_, now); // no catching up in a burst after a stall
  }
}

void BenchSlowLoris::drain(Conn& c) {
  char buf[4096];
  for (;;) {
    if (c.ssl) {
      ERR_clear_error();
      int r = SSL_read(c.ssl, buf, sizeof buf);
      if (r > 0)
        continue; // an answer to the unfinished head (a 408, say): the close follows
      if (SSL_get_error(c.ssl, r) == SSL_ERROR_WANT_READ)
        return; // a session ticket: still open
    } else {
      ssize_t r = recv(c.fd, buf, sizeof buf, 0);
      if (r > 0)
        continue; // the server's first flight or an alert
      if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
        return;
    }
    return closedByServer(c);
  }
}

void BenchSlowLoris::closedByServer(Conn& c) {
  const auto now = BenchClock::now();
  ++closed_;
  lifetimesMs_.push_back(msBetween(c.opened, now));
  --trickling_;
  close(c, now + kReopenDelay);
}

void BenchSlowLoris::fail(Conn& c, BenchError kind, const std::string& why) {
  ++errors_[static_cast<std::size_t>(kind)];
  if (firstError_.empty())
    firstError_ = std::string(benchErrorName(kind)) + ": " + why;
  if (c.state == State::Trickling)
    --trickling_;
  else if (c.state == State::Connecting || c.state == State::Handshaking)
    --opening_;
  close(c, BenchClock::now() + kReopenDelay);
}

void BenchSlowLoris::close(Conn& c, BenchClock::time_point reopenAt) {
  if (c.ssl) {
    SSL_free(c.ssl);
    c.ssl = nullptr;
  }
  if (c.fd >= 0) {
    ::close(c.fd);
    c.fd = -1;
  }
  c.state = State::Waiting;
  c.at = reopenAt;
}

bool BenchSlowLoris::setInterest(Conn& c, unsigned events) {
  epoll_event ev{};
  ev.events = events;
  ev.data.ptr = &c;
  if (epoll_ctl(epfd_, EPOLL_CTL_MOD, c.fd, &ev) == 0)
    return true;
  fail(c, BenchError::Connect, std::string("epoll_ctl: ") + std::strerror(errno));
  return false;
}

bool BenchSlowLoris::report(std::ostream& out, double openSeconds) const {
  std::vector<double> life = lifetimesMs_;
  std::sort(life.begin(), life.end());
  const double p50 = life.empty() ? 0 : life[(life.size() - 1) / 2];
  const double max = life.empty() ? 0 : life.back();
  const double mean = openSamples_ ? openSum_ / static_cast<double>(openSamples_) : 0;
  std::uint64_t errors = 0;
  for (auto e : errors_)
    errors += e;
  const char* stage = options_.trickleHead ? "head" : "handshake";
  std::ostringstream text;
  text << std::fixed << std::setprecision(1);
  if (options_.json) {
    text << "{\"mode\":\"slowloris\",\"trickle\":\"" << stage
         << "\",\"connections\":" << conns_.size() << ",\"sources\":" << target_.sources.size()
         << ",\"trickle_ms\":" << options_.trickleSeconds * 1e3 << std::setprecision(3)
         << ",\"open_s\":" << openSeconds << std::setprecision(1) << ",\"opened\":" << opened_
         << ",\"handshakes\":" << handshakes_ << ",\"closed_by_server\":" << closed_
         << ",\"lifetime_p50_ms\":" << p50 << ",\"lifetime_max_ms\":" << max
         << ",\"open_mean\":" << mean << ",\"open_min\":" << std::max(0.0, openMin_)
         << ",\"open_at_end\":" << trickling_ << ",\"bytes_sent\":" << bytesSent_
         << ",\"errors\":" << errors << ",\"errors_by_kind\":{";
    for (std::size_t i = 0; i < kBenchErrorKinds; ++i)
      text << (i ? "," : "") << '"' << benchErrorName(static_cast<BenchError>(i))
           << "\":" << errors_[i];
    text << "},\"first_error\":" << jsonString(firstError_) << "}\n";
  } else {
    text << "slow-loris   " << conns_.size() << " connections trickling their " << stage
         << ", one byte per " << options_.trickleSeconds * 1e3 << " ms, from "
         << std::max<std::size_t>(1, target_.sources.size()) << " source address(es)\n"
         << "open         mean " << mean << ", min " << std::max(0.0, openMin_) << ", at the end "
         << trickling_ << " (opening took " << std::setprecision(3) << openSeconds << " s)\n"
         << std::setprecision(1) << "opened       " << opened_ << " connections, " << handshakes_
         << " TLS handshakes, " << closed_ << " closed by the server (after p50 " << p50
         << " ms, max " << max << " ms), " << bytesSent_ << " bytes sent\n"
         << "refused      " << errors
         << (firstError_.empty() ? "" : " (first: " + firstError_ + ")") << "\n";
  }
  out << text.str();
  return opened_ > 0;
}

} // namespace rivet::ctl
