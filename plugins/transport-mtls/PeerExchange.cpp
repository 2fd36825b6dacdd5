// One request to a peer on an I/O loop; the failure classes are PeerPool's (abi.h
// rivet_net_result): nothing delivered before the handshake ends or a new connection's write
// fails; a timeout once sent; a lost connection after sending may have been processed.
#include "PeerExchange.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/http/error.hpp>

namespace rivet::mtls {
namespace asio = boost::asio;
namespace http = boost::beast::http;

void PeerLinks::closeAll() {
  idle.clear();
  auto copy = running;
  for (const auto& e : copy)
    e->abandon("the transport is stopping");
}

bool startPeerExchange(ChannelServer& server, const std::string& userAgent, ByteBudget& answers,
                       const rivet_peer_request& request, PeerDone done) {
  if (server.stopping())
    return false;
  PeerTarget target = peerTarget(request);
  std::string bytes;
  const bool safe = requestBytes(request, target, userAgent, bytes);
  IoLoop& loop = server.loopForPeers();
  auto exchange = std::make_shared<PeerExchange>(
      loop, server.materials(), answers, std::move(target), static_cast<uint16_t>(request.port),
      std::move(bytes), std::max<int64_t>(request.timeout_ms, 1), std::move(done));
  asio::post(loop.context, [exchange, safe, &loop] {
    if (!loop.peers)
      loop.peers = std::make_shared<PeerLinks>();
    loop.peers->running.insert(exchange);
    if (safe)
      exchange->start();
    else
      exchange->abandon("");
  });
  return true;
}

PeerExchange::PeerExchange(IoLoop& loop, const MaterialStore& materials, ByteBudget& answers,
                           PeerTarget target, uint16_t port, std::string bytes, int64_t timeoutMs,
                           PeerDone done)
    : loop_(loop), materials_(materials), target_(std::move(target)), port_(port),
      out_(std::move(bytes)), timeoutMs_(timeoutMs),
      deadline_(Clock::now() + std::chrono::milliseconds(timeoutMs)), done_(std::move(done)),
      resolver_(loop.context), timer_(loop.context), share_(answers) {
  newParser();
}

void PeerExchange::newParser() {
  parser_.emplace();
  parser_->header_limit(kMaxResponseHead);
  parser_->body_limit(kMaxResponseBytes);
  parser_->eager(true);
}

PeerExchange::~PeerExchange() {
  if (done_) // its loop ended before it did (the io_context went with its handlers)
    done_(RIVET_NET_NOT_DELIVERED, 0, {}, "the transport stopped before the request was sent");
}

PeerLinks& PeerExchange::links() {
  return *loop_.peers;
}

std::unique_ptr<PeerLink> PeerExchange::takeIdle() {
  auto it = links().idle.find(target_.key);
  if (it == links().idle.end())
    return nullptr;
  auto current = materials_.current();
  while (!it->second.empty()) {
    std::unique_ptr<PeerLink> l = std::move(it->second.back());
    it->second.pop_back();
    // Not reused: idle too long, closed by the server meanwhile, or from before a reload.
    if (Clock::now() - l->idleSince < kMaxIdle && l->material == current &&
        !l->tls->peerClosedOrBusy())
      return l;
  }
  return nullptr;
}

void PeerExchange::start() {
  link_ = takeIdle();
  if (link_)
    return beginWrite();
  fresh_ = true;
  link_ = std::make_unique<PeerLink>(loop_.context);
  link_->material = materials_.current();
  armTimer(std::min(deadline_, Clock::now() + kConnectTimeout));
  boost::system::error_code ec;
  auto address = asio::ip::make_address(target_.host, ec);
  if (!ec) {
    asio::ip::tcp::endpoint to(address, port_);
    return link_->socket.async_connect(
        to,
        [self = shared_from_this()](const boost::system::error_code& e) { self->connected(e); });
  }
  resolver_.async_resolve(target_.host, std::to_string(port_),
                          [self = shared_from_this()](const boost::system::error_code& e,
                                                      asio::ip::tcp::resolver::results_type found) {
                            if (self->phase_ == Phase::Done)
                              return;
                            if (e)
                              return self->finish(RIVET_NET_NOT_DELIVERED, "cannot connect to " +
                                                                               self->target_.where +
                                                                               ": " + e.message());
                            asio::async_connect(self->link_->socket, found,
                                                [self](const boost::system::error_code& ce,
                                                       const auto&) { self->connected(ce); });
                          });
}

void PeerExchange::connected(const boost::system::error_code& ec) {
  if (phase_ == Phase::Done)
    return;
  if (ec)
    return finish(RIVET_NET_NOT_DELIVERED,
                  "cannot connect to " + target_.where + ": " + ec.message());
  boost::system::error_code e;
  link_->socket.non_blocking(true, e);
  link_->socket.set_option(asio::ip::tcp::no_delay(true), e);
  link_->tls = std::make_unique<TlsSocket>(link_->material->clientContext(),
                                           link_->socket.native_handle(), false);
  link_->tls->expectPeerName(target_.name);
  phase_ = Phase::Handshake;
  handshake();
}

void PeerExchange::handshake() {
  TlsStep step = link_->tls->connectStep();
  if (step == TlsStep::WantRead || step == TlsStep::WantWrite)
    return wait(step, &PeerExchange::handshake);
  if (step != TlsStep::Done)
    return finish(RIVET_NET_NOT_DELIVERED, "TLS handshake with " + target_.where + " (expecting " +
                                               target_.name + ") failed: " + link_->tls->error());
  beginWrite();
}

void PeerExchange::beginWrite() {
  phase_ = Phase::Write;
  armTimer(deadline_);
  write();
}

void PeerExchange::write() {
  while (outOff_ < out_.size()) {
    size_t wrote = 0;
    TlsStep step = link_->tls->writeStep(out_.data() + outOff_, out_.size() - outOff_, wrote);
    if (step == TlsStep::Done) {
      outOff_ += wrote;
      continue;
    }
    if (step == TlsStep::WantRead || step == TlsStep::WantWrite)
      return wait(step, &PeerExchange::write);
    return finish(fresh_ ? RIVET_NET_NOT_DELIVERED : RIVET_NET_DELIVERED_FAILED,
                  "sending to " + target_.where + " failed: " + link_->tls->error());
  }
  std::string().swap(out_);
  phase_ = Phase::Read;
  read();
}

void PeerExchange::read() {
  for (;;) {
    size_t got = 0;
    TlsStep step = link_->tls->readStep(loop_.scratch, sizeof loop_.scratch, got);
    if (step == TlsStep::Done) {
      if (feed(loop_.scratch, got))
        return;
      continue;
    }
    if (step == TlsStep::WantRead || step == TlsStep::WantWrite)
      return wait(step, &PeerExchange::read);
    return readFailed(step);
  }
}

// Beast's parser takes a head only whole: the bytes it leaves are kept and offered again with
// the next read (at most the head limit and one read's worth). Interim (1xx) answers are
// skipped: a new parser takes the bytes after each.
bool PeerExchange::feed(const char* data, size_t n) {
  std::string_view in(data, n);
  if (!pending_.empty()) {
    pending_.append(data, n);
    in = pending_;
  }
  size_t used = 0;
  for (;;) {
    while (used < in.size() && !parser_->is_done()) {
      boost::system::error_code ec;
      used += parser_->put(asio::buffer(in.data() + used, in.size() - used), ec);
      if (ec == http::error::need_more)
        break;
      if (ec) {
        finish(RIVET_NET_DELIVERED_FAILED,
               "reading the answer from " + target_.where + " failed: " +
                   (ec == http::error::body_limit || ec == http::error::header_limit
                        ? std::string("response too large")
                        : std::string("malformed HTTP response")));
        return true;
      }
      if (!withinBudget())
        return true;
    }
    if (!parser_->is_done() || parser_->get().result_int() >= 200)
      break;
    std::string refused = interimRefusal(parser_->get().result_int(), ++interim_);
    if (!refused.empty()) {
      finish(RIVET_NET_DELIVERED_FAILED,
             "reading the answer from " + target_.where + " failed: " + refused);
      return true;
    }
    newParser();
  }
  if (parser_->is_done()) {
    if (used < in.size()) // bytes after the answer: the connection is not reused
      parser_->get().keep_alive(false);
    pending_.clear();
    answered();
    return true;
  }
  std::string rest(in.substr(used));
  pending_ = std::move(rest);
  return false;
}

bool PeerExchange::withinBudget() {
  if (!parser_->is_header_done() || parser_->get().result_int() < 200)
    return true; // an interim answer has no body
  uint64_t bytes = parser_->get().body().size();
  if (auto announced = parser_->content_length())
    bytes = std::max<uint64_t>(bytes, *announced);
  if (share_.growTo(bytes))
    return true;
  finish(RIVET_NET_DELIVERED_FAILED, "reading the answer from " + target_.where +
                                         " failed: " + overBudgetText(share_.budget()));
  return false;
}

void PeerExchange::answered() {
  auto& res = parser_->get();
  const int status = res.result_int();
  std::string body = std::move(res.body());
  if (res.keep_alive() && !SSL_has_pending(link_->tls->ssl())) {
    link_->idleSince = Clock::now();
    auto& list = links().idle[target_.key];
    if (list.size() < kMaxIdlePerPeer)
      list.push_back(std::move(link_));
  }
  link_.reset();
  phase_ = Phase::Done;
  timer_.cancel();
  links().running.erase(shared_from_this());
  PeerDone done = std::move(done_);
  done_ = nullptr;
  done(RIVET_NET_OK, status, body, {});
  share_.release();
}

void PeerExchange::readFailed(TlsStep step) {
  if (step == TlsStep::Closed && parser_->is_header_done() && !parser_->is_done()) {
    boost::system::error_code ec;
    parser_->put_eof(ec); // an answer delimited by the end of the connection
    if (!ec && parser_->is_done()) {
      parser_->get().keep_alive(false);
      return answered();
    }
  }
  // With TLS 1.3 a server refuses our certificate after our handshake completed: its alert
  // arrives on the first read, and the request was never processed. Anything else after
  // sending (a reset, an EOF) may have been processed.
  if (fresh_ && link_->tls->peerAlert())
    return finish(RIVET_NET_NOT_DELIVERED,
                  "TLS handshake with " + target_.where + " failed: " + link_->tls->error());
  finish(RIVET_NET_DELIVERED_FAILED,
         "reading the answer from " + target_.where + " failed: " + link_->tls->error());
}

void PeerExchange::wait(TlsStep step, Step next) {
  auto what = step == TlsStep::WantWrite ? asio::ip::tcp::socket::wait_write
                                         : asio::ip::tcp::socket::wait_read;
  link_->socket.async_wait(what, [self = shared_from_this(), next](boost::system::error_code ec) {
    if (self->phase_ == Phase::Done)
      return;
    if (ec) // nothing was delivered before the handshake ended or a new connection's write
      return self->finish(self->phase_ == Phase::Handshake ||
                                  (self->phase_ == Phase::Write && self->fresh_)
                              ? RIVET_NET_NOT_DELIVERED
                              : RIVET_NET_DELIVERED_FAILED,
                          "waiting for " + self->target_.where + " failed: " + ec.message());
    (self.get()->*next)();
  });
}

void PeerExchange::armTimer(Clock::time_point at) {
  timer_.expires_at(at);
  timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
    if (!ec && self->phase_ != Phase::Done)
      self->timedOut();
  });
}

void PeerExchange::timedOut() {
  if (phase_ == Phase::Connect)
    return finish(RIVET_NET_NOT_DELIVERED, "connecting to " + target_.where + " timed out");
  if (phase_ == Phase::Handshake)
    return finish(RIVET_NET_NOT_DELIVERED, "TLS handshake with " + target_.where + " (expecting " +
                                               target_.name + ") failed: handshake timed out");
  finish(RIVET_NET_TIMEOUT,
         "no answer from " + target_.where + " within " + std::to_string(timeoutMs_) + " ms");
}

void PeerExchange::abandon(const std::string& why) {
  if (phase_ == Phase::Done)
    return;
  if (why.empty())
    return finish(RIVET_NET_NOT_DELIVERED, unsafeRequestText(target_.where));
  // Once a byte went out on a connection the peer may have read it: it may have run the task.
  const bool sentNothing = phase_ == Phase::Connect || phase_ == Phase::Handshake ||
                           (phase_ == Phase::Write && outOff_ == 0);
  finish(sentNothing ? RIVET_NET_NOT_DELIVERED : RIVET_NET_DELIVERED_FAILED,
         "the request to " + target_.where + " was abandoned: " + why);
}

void PeerExchange::finish(rivet_net_result result, const std::string& error) {
  phase_ = Phase::Done;
  timer_.cancel();
  resolver_.cancel();
  link_.reset(); // closes the connection: a failed one is never reused
  share_.release();
  links().running.erase(shared_from_this());
  PeerDone done = std::move(done_);
  done_ = nullptr;
  if (done)
    done(result, 0, {}, error);
}

} // namespace rivet::mtls
