// The agent channel's client side on the I/O loops (ABI 1.6 request_async): one request to a
// peer as a state machine of its loop (connect, TLS handshake, write, read the answer with
// Beast's response parser), each loop keeping its own kept-alive connections per peer. The same
// deadlines, pooling rules and failure classes as the blocking PeerPool (docs/transport.md
// "Forwarding on the loop").
#pragma once

#include "ChannelServer.hpp"
#include "PeerPool.hpp"
#include "TlsSocket.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace rivet::mtls {

// (result, HTTP status, body, error): as rivet_peer_response, once.
using PeerDone = std::function<void(rivet_net_result, int, std::string_view, std::string_view)>;

class PeerExchange;

// A kept-alive TLS connection to a peer, idle in its loop's list.
struct PeerLink {
  explicit PeerLink(boost::asio::io_context& io) : socket(io) {}
  boost::asio::ip::tcp::socket socket;
  std::shared_ptr<const TlsMaterial> material; // a reload's new connections use the new one
  std::unique_ptr<TlsSocket> tls;
  Clock::time_point idleSince;
};

// One loop's idle links by peer, and the exchanges it runs. Touched on the loop's thread only.
struct PeerLinks {
  std::unordered_map<std::string, std::vector<std::unique_ptr<PeerLink>>> idle;
  std::unordered_set<std::shared_ptr<PeerExchange>> running;
  // The transport stops: running exchanges end as not delivered, idle links close.
  void closeAll();
};

// Starts `request` on an I/O loop of `server` (the calling thread's own, when it is one);
// `done` runs there once, after this returns. False, and `done` never runs, when the server is
// stopping.
// `answers`: the transport's budget of answer bytes (shared with PeerPool; it outlives `server`).
bool startPeerExchange(ChannelServer& server, const std::string& userAgent, ByteBudget& answers,
                       const rivet_peer_request& request, PeerDone done);

class PeerExchange : public std::enable_shared_from_this<PeerExchange> {
public:
  PeerExchange(IoLoop& loop, const MaterialStore& materials, ByteBudget& answers, PeerTarget target,
               uint16_t port, std::string bytes, int64_t timeoutMs, PeerDone done);
  ~PeerExchange();

  // On the loop's thread.
  void start();
  void abandon(const std::string& why);

private:
  enum class Phase { Connect, Handshake, Write, Read, Done };
  using Step = void (PeerExchange::*)();

  PeerLinks& links();
  std::unique_ptr<PeerLink> takeIdle();
  void connect();
  void connected(const boost::system::error_code& ec);
  void handshake();
  void beginWrite();
  void write();
  void read();
  // Feeds what was read to the parser; true when the answer is complete (or failed).
  bool feed(const char* data, size_t n);
  // The answer's body bytes (announced or read) fit the budget; else the exchange has failed.
  bool withinBudget();
  void newParser();
  void answered();
  void readFailed(TlsStep step);
  void wait(TlsStep step, Step next);
  void armTimer(Clock::time_point at);
  void timedOut();
  void finish(rivet_net_result result, const std::string& error);

  IoLoop& loop_;
  const MaterialStore& materials_;
  PeerTarget target_;
  uint16_t port_;
  std::string out_;
  size_t outOff_ = 0;
  std::string pending_; // read, not taken by the parser yet
  int64_t timeoutMs_;
  Clock::time_point deadline_;
  PeerDone done_;
  std::unique_ptr<PeerLink> link_;
  boost::asio::ip::tcp::resolver resolver_;
  boost::asio::steady_timer timer_;
  // One per answer: an interim (1xx) answer is followed by a new one.
  std::optional<boost::beast::http::response_parser<boost::beast::http::string_body>> parser_;
  int interim_ = 0;
  BudgetShare share_; // of the answer budget: the body's bytes, until the answer is handed over
  Phase phase_ = Phase::Connect;
  bool fresh_ = false; // a new connection: a failed write delivered nothing
};

} // namespace rivet::mtls
