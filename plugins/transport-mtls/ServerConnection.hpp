// One accepted connection of the agent channel or the A2A listener, driven by its I/O loop: TLS
// handshake, peer identity read once, then HTTP/1.1 requests framed by RequestFraming and handed
// to the host without blocking the loop; the host's answer is posted back and written. Every
// phase has its deadline (docs/transport.md "Connection states"); both listeners alike.
#pragma once

#include "ChannelServer.hpp"
#include "PeerIdentity.hpp"
#include "RequestFraming.hpp"
#include "TlsSocket.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <algorithm>
#include <atomic>
#include <memory>
#include <string>
#include <vector>

namespace rivet::mtls {

class ServerConnection : public std::enable_shared_from_this<ServerConnection> {
public:
  ServerConnection(ChannelServer& server, Listener& listener, IoLoop& loop,
                   boost::asio::ip::tcp::socket socket, std::string address, std::string ip);
  ~ServerConnection();

  // All of these run on the connection's loop.
  void start();
  // stop(): closes the connection unless a request is being read or served.
  void closeIfIdle();
  void close();
  // The host's answer, as complete response bytes (ReplySlot formats them).
  void answer(std::string bytes, bool closeAfter);
  // Streamed answers: bytes to send as they come; `last` ends the answer. `cut`: the transport
  // refused a part of it (ReplySlot's backlog limit): it ends by closing the connection.
  void stream(std::string bytes, bool last, bool cut = false);

  // On the loop's thread: true (and the answer kept for readMore() to write once process()
  // has returned) when the host answers during dispatch, so an inline answer costs no post.
  bool takeInlineAnswer(std::string& bytes, bool closeAfter);

  // Any thread: the connection is closed (a streaming host stops producing).
  bool gone() const { return gone_.load(std::memory_order_relaxed); }
  boost::asio::io_context& context() { return loop_->context; }
  // mesh.channel.idle_timeout_ms in whole seconds, as the Keep-Alive header announces it.
  int keepAliveSeconds() const {
    return static_cast<int>(std::max<int64_t>(1, server_.settings().idleTimeout.count() / 1000));
  }
  // Bytes of a streamed answer posted but not written yet (any thread).
  std::atomic<size_t>& streamBacklog() { return streamBacklog_; }

private:
  enum class Phase { Handshake, Idle, Head, Body, Dispatched, Writing, Lingering, Closed };
  enum class After { Response, Continue, Stream };
  using Step = void (ServerConnection::*)();

  void handshake();
  void endHandshake();
  void readMore();
  void yieldTurn();
  bool flushInlineAnswer();
  void feedBytes(const char* data, size_t size);
  size_t process(const char* data, size_t size);
  bool headAccepted();
  bool reserveHeld();
  void refuseBusy();
  void dispatch();
  void refuse(int status, const char* body, const char* reason);
  void writeOut();
  void afterWrite();
  void resumeReading();
  void linger();
  // While the host works on an answer: notice a client that leaves (then the host's chunk()
  // hears it has gone) and keep what it pipelines.
  void watchPeer();
  void peerReadable();
  void releaseRequest();
  // Idle between requests, to the loop the balancer chose (ChannelServer::placeLoop): the
  // socket leaves this loop's reactor, then joins the other's; TLS state stays with the
  // connection. False when it could not be taken off this loop.
  bool moveAway(IoLoop& to);
  void handOver(IoLoop& to);
  void arrive();
  void setPhase(Phase p);
  void wait(TlsStep step, Step next);
  void setDeadline(std::chrono::milliseconds in, ChannelCounters::Kind kind);
  void clearDeadline();
  void armTimer();

  ChannelServer& server_;
  Listener& listener_; // which one accepted it: its certificate, counters and request tag
  IoLoop* loop_;       // changes only while moving (moveAway), when nothing else waits on it
  boost::asio::ip::tcp::socket socket_;
  boost::asio::steady_timer timer_;
  std::string address_; // "ip:port", for logs and the host
  std::string ip_;      // for the per-address handshake count
  std::unique_ptr<TlsSocket> tls_;
  PeerIdentity peer_;
  RequestFraming framing_;
  std::string pending_; // bytes read and not consumed yet
  std::string out_;
  size_t outOff_ = 0;
  After after_ = After::Response;
  bool closeAfter_ = false;
  bool lingerAfter_ = false; // a refusal: the client may still be sending
  bool keepAlive_ = true;
  bool streaming_ = false; // writing a streamed answer
  bool handshaking_ = true;
  bool busyCounted_ = false;
  bool holdsBuffers_ = false; // one of its loop's bufferHolders
  uint64_t reserved_ = 0;     // body bytes of the listener's budget this request holds
  rivet_inbound_request request_{};
  std::vector<rivet_header> headers_; // request_'s header fields (views into the parser)
  BodyBuffer body_;
  Phase phase_ = Phase::Handshake;
  Clock::time_point deadline_ = Clock::time_point::max();
  ChannelCounters::Kind deadlineKind_ = ChannelCounters::kIdleTimeout;
  bool timerArmed_ = false;
  bool watching_ = false;
  bool inReadLoop_ = false;   // readMore() is on the stack
  bool resumeWanted_ = false; // readMore() processes pending_ before it reads
  bool inDispatch_ = false;
  bool inlineAnswered_ = false;
  bool inlineClose_ = false;
  std::string inlineAnswer_;
  Clock::time_point timerAt_;
  bool away_ = false; // moving between loops: handlers of the old loop do nothing
  int looseFd_ = -1;  // the socket while it belongs to neither loop
  bool v6_ = false;
  std::atomic<bool> gone_{false};
  std::atomic<size_t> streamBacklog_{0};
};

} // namespace rivet::mtls
