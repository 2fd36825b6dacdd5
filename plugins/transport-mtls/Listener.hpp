// One listening socket of the channel server: the agent channel's, or the A2A listener's
// (docs/transport.md "The A2A listener"). Each has its own acceptor, admission counts (same
// caps), counters, server certificate and budget of request body bytes (same size); both share
// the server's I/O loops, limits and deadlines.
#pragma once

#include "ByteBudget.hpp"
#include "ChannelCounters.hpp"
#include "TlsMaterial.hpp"

#include "rivet/sdk/abi.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

namespace rivet::mtls {

class ChannelServer;
struct IoLoop;

// Where a listener listens, and how it names itself to the operator and the host.
struct ListenerSpec {
  bool a2a = false;
  std::string host;
  int port = 0;
};

class Listener {
public:
  Listener(ChannelServer& server, ListenerSpec spec);
  ~Listener();

  // Binds on `acceptLoop`'s context; throws std::runtime_error naming the address and the
  // rivet.yaml keys on failure.
  void open(IoLoop& acceptLoop);
  // From then on (on the accept loop's thread): accepting and the periodic summary.
  void startAccepting();
  // On the accept loop's thread: stops accepting and the summary.
  void close();
  // The acceptor and timers belong to the accept loop's context: they go before it does.
  void release();

  bool a2a() const { return spec_.a2a; }
  // rivet_inbound_request.listener: "" on the agent channel, "a2a" on the A2A listener.
  rivet_str tag() const { return spec_.a2a ? rivet_str{"a2a", 3} : rivet_str{"", 0}; }
  // "Agent channel" or "A2A listener", for log lines.
  const char* title() const { return spec_.a2a ? "A2A listener" : "Agent channel"; }
  // The log component of its lines: "" (the transport's own, AgentChannel) or "A2aListener".
  const char* component() const { return spec_.a2a ? "A2aListener" : ""; }
  std::string address() const { return spec_.host + ":" + std::to_string(spec_.port); }
  // The server context new connections of this listener take from `m`.
  SSL_CTX* serverContext(const TlsMaterial& m) const {
    return spec_.a2a ? m.a2aServerContext() : m.serverContext();
  }
  void log(rivet_log_level level, const std::string& message) const;

  ChannelCounters& counters() { return counters_; }
  void handshakeEnded(const std::string& ip);
  void connectionClosed() { connections_.fetch_sub(1, std::memory_order_relaxed); }
  void busy(bool on) { busy_.fetch_add(on ? 1 : -1, std::memory_order_relaxed); }
  size_t connections() const { return connections_.load(std::memory_order_relaxed); }
  // Its budget of request body bytes held (mesh.channel.max_inflight_body_bytes, each listener
  // its own: A2A clients cannot starve the agent channel). Bytes are reserved as they arrive.
  // fits(): `bytes` more would fit now; reserve(): false when they do not (nothing taken).
  bool bodyFits(uint64_t bytes) const { return bodies_.fits(bytes); }
  bool reserveBody(uint64_t bytes) { return bodies_.take(bytes); }
  void releaseBody(uint64_t bytes) { bodies_.give(bytes); }
  // Its counters as JSON members, each key prefixed (metrics(): "" or "a2a_"); no braces.
  std::string metricsFields() const;

private:
  void accept();
  void admit(boost::asio::ip::tcp::socket socket, const boost::asio::ip::tcp::endpoint& remote,
             IoLoop& loop);
  void summarize();

  ChannelServer& server_;
  ListenerSpec spec_;
  std::unique_ptr<boost::asio::ip::tcp::acceptor> acceptor_;
  boost::asio::ip::tcp::endpoint acceptedFrom_; // filled by accept(): no getpeername() needed
  std::unique_ptr<boost::asio::steady_timer> acceptPause_; // after EMFILE
  int64_t lastAcceptWarn_ = 0;                             // seconds: when EMFILE was last said
  std::unique_ptr<boost::asio::steady_timer> summaryTimer_;
  uint64_t reported_[ChannelCounters::kCount] = {};
  ChannelCounters counters_;
  std::atomic<size_t> connections_{0};
  std::atomic<int> busy_{0};
  ByteBudget bodies_;
  std::mutex handshakeMutex_;
  size_t handshakes_ = 0;
  std::unordered_map<std::string, size_t> handshakesFrom_;
};

} // namespace rivet::mtls
