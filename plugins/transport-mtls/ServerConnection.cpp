// The state machine of one agent channel connection (docs/transport.md "Connection states").
#include "ServerConnection.hpp"

#include "HttpWire.hpp"
#include "ReplySlot.hpp"

#include <boost/asio/error.hpp>
#include <openssl/err.h>

#include <unistd.h>

namespace rivet::mtls {
namespace {

constexpr auto kRefusalWrite = std::chrono::seconds(5);
// After a refusal, the client's unread bytes are read and dropped this long before the close,
// so that it reads the answer instead of a reset (nginx's lingering close).
constexpr auto kLinger = std::chrono::seconds(2);
constexpr size_t kKeepBuffer = 64 * 1024; // larger buffers are freed between requests

const char* phaseName(int phase) {
  static const char* const kNames[] = {"handshake", "keep-alive", "request head", "request body",
                                       "dispatch",  "write",      "linger",       "closed"};
  return kNames[phase];
}

rivet_str str(std::string_view s) {
  return {s.data(), s.size()};
}

} // namespace

ServerConnection::ServerConnection(ChannelServer& server, Listener& listener, IoLoop& loop,
                                   boost::asio::ip::tcp::socket socket, std::string address,
                                   std::string ip)
    : server_(server), listener_(listener), loop_(&loop), socket_(std::move(socket)),
      timer_(loop.context), address_(std::move(address)), ip_(std::move(ip)),
      framing_(FramingLimits{server.settings().maxHeadBytes, server.settings().maxHeaders,
                             server.settings().maxBodyBytes}) {}

ServerConnection::~ServerConnection() {
  if (handshaking_)
    listener_.handshakeEnded(ip_);
  if (reserved_)
    listener_.releaseBody(reserved_);
  if (looseFd_ >= 0)
    ::close(looseFd_);
}

void ServerConnection::start() {
  boost::system::error_code ec;
  socket_.non_blocking(true, ec);
  socket_.set_option(boost::asio::ip::tcp::no_delay(true), ec);
  if (ec || server_.stopping()) {
    close();
    return;
  }
  SSL_CTX* ctx = listener_.serverContext(*server_.materials().current());
  if (!ctx) { // no A2A material: cannot happen while node_info had "a2a" (MtlsTransport)
    close();
    return;
  }
  tls_ = std::make_unique<TlsSocket>(ctx, socket_.native_handle(), false);
  setDeadline(server_.settings().handshakeTimeout, ChannelCounters::kHandshakeTimeout);
  handshake();
}

void ServerConnection::handshake() {
  TlsStep step = tls_->acceptStep();
  if (step == TlsStep::WantRead || step == TlsStep::WantWrite)
    return wait(step, &ServerConnection::handshake);
  endHandshake();
  if (step != TlsStep::Done) {
    listener_.counters().add(ChannelCounters::kHandshakeFailures);
    listener_.counters().addFailure(tls_->error(), tls_->tlsFailure());
    if (!server_.stopping()) {
      std::string reason = tls_->error();
      // "use https with a client certificate": the A2A listener's clients need none.
      if (size_t at = reason.find(" with a client certificate");
          listener_.a2a() && at != std::string::npos)
        reason.erase(at, std::string_view(" with a client certificate").size());
      listener_.log(RIVET_LOG_WARN, "TLS handshake failed from " + address_ + ": " + reason);
    }
    return close();
  }
  peer_ = readPeerIdentity(tls_->ssl());
  ERR_clear_error(); // the request path relies on an empty error queue (TlsSocket.cpp)
  setPhase(Phase::Idle);
  setDeadline(server_.settings().idleTimeout, ChannelCounters::kIdleTimeout);
  readMore();
}

void ServerConnection::endHandshake() {
  if (!handshaking_)
    return;
  handshaking_ = false;
  listener_.handshakeEnded(ip_);
}

// The one place that reads and parses. It never runs nested: whatever would read again from
// inside it (an answer written at once, a 100 Continue) asks it to go on instead (resumeReading),
// so the scratch buffer and pending_ are never overwritten under a caller that still uses them.
// A client that keeps its requests coming is served at most kRequestsPerTurn of them before the
// loop lets the other connections of this thread have a turn.
void ServerConnection::readMore() {
  constexpr int kRequestsPerTurn = 16;
  if (inReadLoop_) { // called from inside the loop below: it goes on by itself
    resumeWanted_ = true;
    return;
  }
  inReadLoop_ = true;
  int served = 0;
  while (phase_ == Phase::Idle || phase_ == Phase::Head || phase_ == Phase::Body ||
         phase_ == Phase::Lingering) {
    if (resumeWanted_) { // the bytes read with the previous request come first
      resumeWanted_ = false;
      if (!pending_.empty() && phase_ != Phase::Lingering) {
        size_t used = process(pending_.data(), pending_.size());
        pending_.erase(0, used);
        if (flushInlineAnswer() && ++served == kRequestsPerTurn)
          return yieldTurn();
        continue;
      }
    }
    size_t got = 0;
    TlsStep step = tls_->readStep(loop_->scratch, sizeof loop_->scratch, got);
    if (step == TlsStep::Done) {
      if (phase_ != Phase::Lingering) // lingering: dropped
        feedBytes(loop_->scratch, got);
      if (flushInlineAnswer() && ++served == kRequestsPerTurn)
        return yieldTurn();
      continue;
    }
    inReadLoop_ = false;
    if (step == TlsStep::WantRead || step == TlsStep::WantWrite)
      return wait(step, &ServerConnection::readMore);
    return close(); // the client closed, or the connection broke
  }
  inReadLoop_ = false;
}

void ServerConnection::yieldTurn() {
  inReadLoop_ = false;
  boost::asio::post(context(), [self = shared_from_this()] {
    if (self->phase_ != Phase::Closed && !self->away_)
      self->readMore();
  });
}

bool ServerConnection::flushInlineAnswer() {
  if (!inlineAnswered_)
    return false;
  inlineAnswered_ = false;
  std::string bytes = std::move(inlineAnswer_);
  inlineAnswer_ = std::string();
  answer(std::move(bytes), inlineClose_); // written now; reading goes on in readMore's loop
  return true;
}

void ServerConnection::feedBytes(const char* data, size_t size) {
  if (pending_.empty()) {
    size_t used = process(data, size);
    if (used < size && phase_ != Phase::Closed)
      pending_.assign(data + used, size - used);
    return;
  }
  pending_.append(data, size);
  size_t used = process(pending_.data(), pending_.size());
  pending_.erase(0, used);
}

size_t ServerConnection::process(const char* data, size_t size) {
  const ServerSettings& s = server_.settings();
  size_t used = 0;
  while (phase_ == Phase::Idle || phase_ == Phase::Head || phase_ == Phase::Body) {
    if (phase_ == Phase::Idle) {
      if (used == size)
        return used;
      setPhase(Phase::Head); // the head's deadline counts from its first byte
      setDeadline(s.headTimeout, ChannelCounters::kHeadTimeout);
    }
    size_t n = framing_.feed(data + used, size - used);
    used += n;
    switch (framing_.state()) {
    case RequestFraming::State::Failed:
      listener_.counters().add(ChannelCounters::kFramingErrors);
      refuse(framing_.error().status, framing_.error().body, framing_.error().reason);
      return used;
    case RequestFraming::State::Head:
      if (n == 0)
        return used; // the rest of the head has not arrived
      break;
    case RequestFraming::State::Body:
      if (phase_ == Phase::Head ? !headAccepted() : !reserveHeld())
        return used;
      if (n == 0 || used == size)
        return used;
      break;
    case RequestFraming::State::Done:
      if (phase_ == Phase::Head ? !headAccepted() : !reserveHeld())
        return used;
      dispatch();
      return used;
    }
  }
  return used;
}

bool ServerConnection::headAccepted() {
  setPhase(Phase::Body);
  // Nothing is reserved for what a head announces (a client that sends heads alone holds no
  // budget), but a declared length that does not fit what bytes really held leave is refused now.
  if (auto length = framing_.contentLength();
      length && *length > 0 && !listener_.bodyFits(*length)) {
    refuseBusy();
    return false;
  }
  if (!reserveHeld())
    return false;
  if (framing_.state() == RequestFraming::State::Body) {
    setDeadline(server_.settings().bodyTimeout, ChannelCounters::kBodyTimeout);
    if (framing_.expectContinue()) {
      out_ = "HTTP/1.1 100 Continue\r\n\r\n";
      outOff_ = 0;
      after_ = After::Continue;
      setPhase(Phase::Writing);
      writeOut();
      return false; // reading goes on once it is written
    }
  }
  return true;
}

// The listener's budget follows the body bytes held, as they arrive.
bool ServerConnection::reserveHeld() {
  uint64_t held = framing_.bodyBytes();
  if (held <= reserved_)
    return true;
  if (!listener_.reserveBody(held - reserved_)) {
    refuseBusy();
    return false;
  }
  reserved_ = held;
  return true;
}

void ServerConnection::refuseBusy() {
  listener_.counters().add(ChannelCounters::kBusyBodies);
  refuse(503, R"({"error":"Node busy: too many request bytes in flight; retry in a moment"})",
         "request bytes in flight at mesh.channel.max_inflight_body_bytes");
}

void ServerConnection::dispatch() {
  setPhase(Phase::Dispatched);
  clearDeadline(); // the host enforces the task's own deadline
  keepAlive_ = framing_.keepAlive();
  body_ = std::move(framing_.body());
  request_ = rivet_inbound_request{sizeof(rivet_inbound_request),
                                   str(framing_.method()),
                                   str(framing_.target()),
                                   str(body_.view()),
                                   str(peer_.commonName),
                                   str(peer_.sansJson),
                                   str(address_),
                                   nullptr,
                                   0,
                                   listener_.tag()}; // ABI 1.5: "" or "a2a"
  headers_.clear(); // keeps its capacity while the connection is busy
  framing_.forEachField([this](std::string_view name, std::string_view value) {
    headers_.push_back({str(name), str(value)});
  });
  request_.headers = headers_.data();
  request_.header_count = headers_.size();
  inDispatch_ = true;
  dispatchToHost(server_.host(), shared_from_this(), request_, keepAlive_, framing_.headRequest());
  inDispatch_ = false;
  if (!inlineAnswered_ && phase_ == Phase::Dispatched)
    watchPeer(); // readMore writes an inline answer once process() has returned
}

bool ServerConnection::takeInlineAnswer(std::string& bytes, bool closeAfter) {
  // The thread check first: inDispatch_ belongs to the loop's thread.
  if (!context().get_executor().running_in_this_thread() || !inDispatch_ || inlineAnswered_)
    return false;
  inlineAnswered_ = true;
  inlineClose_ = closeAfter;
  inlineAnswer_ = std::move(bytes);
  return true;
}

void ServerConnection::watchPeer() {
  if (watching_)
    return;
  watching_ = true;
  socket_.async_wait(boost::asio::ip::tcp::socket::wait_read,
                     [self = shared_from_this()](boost::system::error_code ec) {
                       self->watching_ = false;
                       if (!ec && self->phase_ != Phase::Closed && !self->away_)
                         self->peerReadable();
                     });
}

void ServerConnection::peerReadable() {
  bool waiting =
      phase_ == Phase::Dispatched || (phase_ == Phase::Writing && after_ == After::Stream);
  while (waiting) {
    if (pending_.size() > server_.settings().maxHeadBytes + sizeof loop_->scratch)
      return; // enough pipelined: TCP holds the rest back
    size_t got = 0;
    TlsStep step = tls_->readStep(loop_->scratch, sizeof loop_->scratch, got);
    if (step == TlsStep::Done) {
      pending_.append(loop_->scratch, got);
      continue;
    }
    if (step == TlsStep::WantRead || step == TlsStep::WantWrite)
      return watchPeer();
    listener_.log(RIVET_LOG_DEBUG,
                  "The client " + address_ + " left before its answer was complete");
    return close();
  }
}

void ServerConnection::refuse(int status, const char* body, const char* reason) {
  listener_.log(RIVET_LOG_DEBUG, "Refused a request from " + address_ +
                                     " (peer.cn=" + peer_.commonName +
                                     "): " + std::to_string(status) + ", " + reason);
  releaseRequest();
  out_.clear();
  appendResponse(out_, status, status == 503 ? "Retry-After: 1\r\n" : "", body, false);
  outOff_ = 0;
  after_ = After::Response;
  closeAfter_ = true;
  lingerAfter_ = true;
  setPhase(Phase::Writing);
  setDeadline(kRefusalWrite, ChannelCounters::kWriteTimeout);
  writeOut();
}

void ServerConnection::answer(std::string bytes, bool closeAfter) {
  if (phase_ != Phase::Dispatched) {
    releaseRequest(); // closed meanwhile: the host is done with the request now
    return;
  }
  releaseRequest();
  out_ = std::move(bytes);
  outOff_ = 0;
  after_ = After::Response;
  closeAfter_ = closeAfter || !keepAlive_ || server_.stopping();
  setPhase(Phase::Writing);
  setDeadline(server_.settings().writeTimeout, ChannelCounters::kWriteTimeout);
  writeOut();
}

void ServerConnection::stream(std::string bytes, bool last, bool cut) {
  streamBacklog_.fetch_sub(bytes.size(), std::memory_order_relaxed);
  if (phase_ == Phase::Closed) {
    releaseRequest(); // the host has begun its answer: it no longer reads the request
    return;
  }
  if (phase_ == Phase::Dispatched) { // the head: the answer has begun
    releaseRequest();
    closeAfter_ = !keepAlive_ || server_.stopping();
    setPhase(Phase::Writing);
    after_ = After::Stream;
    streaming_ = true;
    outOff_ = 0;
    out_.clear();
  }
  bool idle = outOff_ == out_.size();
  if (idle) { // taken as it is: a large part is not copied
    out_ = std::move(bytes);
    outOff_ = 0;
  } else {
    out_.append(bytes);
  }
  if (last) {
    after_ = After::Response;
    closeAfter_ = closeAfter_ || cut; // incomplete: the close tells the client
  }
  // The write deadline runs from when unsent bytes began to wait and restarts only when the
  // client takes some (writeOut): more bytes from the host (keep-alives) do not extend it.
  if (idle && (!out_.empty() || last)) {
    setDeadline(server_.settings().writeTimeout, ChannelCounters::kWriteTimeout);
    writeOut();
  }
}

void ServerConnection::writeOut() {
  bool moved = false;
  while (outOff_ < out_.size()) {
    size_t wrote = 0;
    TlsStep step = tls_->writeStep(out_.data() + outOff_, out_.size() - outOff_, wrote);
    if (step == TlsStep::Done) {
      outOff_ += wrote;
      moved = moved || wrote > 0;
      continue;
    }
    if (step == TlsStep::WantRead || step == TlsStep::WantWrite) {
      if (moved && streaming_) // progress: a streamed answer's deadline counts from here
        setDeadline(server_.settings().writeTimeout, ChannelCounters::kWriteTimeout);
      return wait(step, &ServerConnection::writeOut);
    }
    return close();
  }
  afterWrite();
}

void ServerConnection::afterWrite() {
  if (after_ == After::Stream) {
    clearDeadline(); // waiting for the host's next chunk
    return watchPeer();
  }
  out_.clear();
  outOff_ = 0;
  streaming_ = false;
  if (out_.capacity() > kKeepBuffer)
    std::string().swap(out_);
  if (after_ == After::Continue) {
    setPhase(Phase::Body);
    setDeadline(server_.settings().bodyTimeout, ChannelCounters::kBodyTimeout);
    return resumeReading();
  }
  if (closeAfter_) {
    if (lingerAfter_)
      return linger();
    return close();
  }
  framing_.reset();
  setPhase(Phase::Idle);
  setDeadline(server_.settings().idleTimeout, ChannelCounters::kIdleTimeout);
  if (pending_.capacity() > kKeepBuffer && pending_.empty())
    std::string().swap(pending_);
  resumeReading();
}

void ServerConnection::resumeReading() {
  resumeWanted_ = true;
  readMore(); // or, when called from inside it, its loop goes on with pending_
}

void ServerConnection::linger() {
  // close_notify and a half-close tell the client the answer is complete; what it still
  // sends is read and dropped for a moment.
  SSL_shutdown(tls_->ssl());
  ERR_clear_error(); // the request path relies on an empty error queue (TlsSocket.cpp)
  boost::system::error_code ec;
  socket_.shutdown(boost::asio::ip::tcp::socket::shutdown_send, ec);
  pending_.clear();
  setPhase(Phase::Lingering);
  deadlineKind_ = ChannelCounters::kCount;
  deadline_ = Clock::now() + kLinger;
  if (!timerArmed_ || timerAt_ > deadline_)
    armTimer();
  readMore();
}

void ServerConnection::releaseRequest() {
  if (reserved_) {
    listener_.releaseBody(reserved_);
    reserved_ = 0;
  }
  body_.clear();
  request_ = {};
}

void ServerConnection::closeIfIdle() {
  if (phase_ == Phase::Handshake || phase_ == Phase::Idle || phase_ == Phase::Head ||
      phase_ == Phase::Lingering)
    close();
}

void ServerConnection::close() {
  if (phase_ == Phase::Closed)
    return;
  // While dispatched the host may still read the request (abi.h): its body, reservation and
  // strings stay until the answer begins or comes (the reply slot holds this object, and posts
  // a stream's head even to a closed connection) or it is destroyed.
  bool hostHasRequest = phase_ == Phase::Dispatched;
  setPhase(Phase::Closed);
  gone_ = true;
  if (holdsBuffers_) {
    --loop_->bufferHolders;
    holdsBuffers_ = false;
  }
  endHandshake();
  if (!hostHasRequest)
    releaseRequest();
  timer_.cancel();
  tls_.reset();
  boost::system::error_code ec;
  socket_.close(ec);
  server_.connectionClosed(*loop_, listener_, shared_from_this());
}

bool ServerConnection::moveAway(IoLoop& to) {
  boost::system::error_code ec;
  auto local = socket_.local_endpoint(ec);
  if (ec)
    return false;
  v6_ = local.protocol() == boost::asio::ip::tcp::v6();
  // Off this loop's reactor: a wait still pending (watchPeer's) completes as aborted.
  int fd = socket_.release(ec);
  if (ec)
    return false;
  --loop_->handOff;
  looseFd_ = fd;
  away_ = true;
  timer_.cancel();
  timerArmed_ = false;
  if (holdsBuffers_) {
    --loop_->bufferHolders;
    holdsBuffers_ = false;
  }
  // A loop runs its handlers in the order they were queued: the aborted ones come before this.
  boost::asio::post(loop_->context, [self = shared_from_this(), to = &to] { self->handOver(*to); });
  return true;
}

// On the old loop, once nothing of it refers to the connection any more.
void ServerConnection::handOver(IoLoop& to) {
  if (phase_ == Phase::Closed) { // closed meanwhile (stop() closes idle connections)
    ::close(looseFd_);
    looseFd_ = -1;
    return;
  }
  auto self = shared_from_this();
  loop_->connections.erase(self);
  server_.connectionMoved(*loop_, to);
  socket_ = boost::asio::ip::tcp::socket(to.context);
  timer_ = boost::asio::steady_timer(to.context);
  loop_ = &to;
  boost::asio::post(to.context, [self] { self->arrive(); });
}

// On the new loop.
void ServerConnection::arrive() {
  away_ = false;
  loop_->connections.insert(shared_from_this());
  int fd = looseFd_;
  looseFd_ = -1;
  boost::system::error_code ec;
  socket_.assign(v6_ ? boost::asio::ip::tcp::v6() : boost::asio::ip::tcp::v4(), fd, ec);
  if (ec) {
    ::close(fd);
    listener_.log(RIVET_LOG_WARN, "Closed the connection from " + address_ +
                                      ": it could not move to another I/O loop: " + ec.message());
    return close();
  }
  if (server_.stopping())
    return close();
  if (deadline_ != Clock::time_point::max())
    armTimer();
  readMore(); // the client may have sent its next request meanwhile
}

void ServerConnection::setPhase(Phase p) {
  bool busy = p == Phase::Body || p == Phase::Dispatched || p == Phase::Writing;
  if (busy != busyCounted_) {
    server_.busy(listener_, busy);
    busyCounted_ = busy;
  }
  phase_ = p;
}

void ServerConnection::wait(TlsStep step, Step next) {
  if (phase_ == Phase::Idle && step == TlsStep::WantRead) {
    if (loop_->handOff > 0 && pending_.empty()) {
      IoLoop* to = server_.placeLoop(loop_);
      if (!to)
        loop_->handOff = 0; // the loops are even now
      else if (moveAway(*to))
        return;
    }
    // An idle connection holds no record buffers (17 KiB each), but for the first
    // kBufferHolders of its loop; a busy one keeps them (SSL_MODE_RELEASE_BUFFERS would free
    // one per record).
    if (!holdsBuffers_ && loop_->bufferHolders < IoLoop::kBufferHolders) {
      holdsBuffers_ = true;
      ++loop_->bufferHolders;
    }
    if (!holdsBuffers_)
      tls_->freeBuffers();
    framing_.releaseHead();
  }
  auto what = step == TlsStep::WantWrite ? boost::asio::ip::tcp::socket::wait_write
                                         : boost::asio::ip::tcp::socket::wait_read;
  socket_.async_wait(what, [self = shared_from_this(), next](boost::system::error_code ec) {
    if (ec || self->phase_ == Phase::Closed || self->away_)
      return;
    (self.get()->*next)();
  });
}

// One timer per connection, re-armed only when a deadline comes earlier than the one it
// waits for: on a busy keep-alive connection most requests touch no timer at all.
void ServerConnection::setDeadline(std::chrono::milliseconds in, ChannelCounters::Kind kind) {
  deadline_ = Clock::now() + in;
  deadlineKind_ = kind;
  if (!timerArmed_ || timerAt_ > deadline_)
    armTimer();
}

void ServerConnection::clearDeadline() {
  deadline_ = Clock::time_point::max();
}

void ServerConnection::armTimer() {
  timerArmed_ = true;
  timerAt_ = deadline_;
  timer_.expires_at(deadline_);
  timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
    if (ec == boost::asio::error::operation_aborted || self->away_)
      return; // re-armed for an earlier deadline, closed, or moving (armed again on arrival)
    self->timerArmed_ = false;
    if (self->phase_ == Phase::Closed || self->deadline_ == Clock::time_point::max())
      return;
    if (Clock::now() < self->deadline_)
      return self->armTimer();
    if (self->deadlineKind_ < ChannelCounters::kCount) {
      self->listener_.counters().add(self->deadlineKind_);
      if (self->deadlineKind_ != ChannelCounters::kIdleTimeout)
        self->listener_.log(RIVET_LOG_DEBUG,
                            "Closed the connection from " + self->address_ + ": past its " +
                                phaseName(static_cast<int>(self->phase_)) + " deadline");
    }
    self->close();
  });
}

} // namespace rivet::mtls
