// The agent channel's listening side on an event loop (docs/transport.md): a few I/O threads,
// each running its own Boost.Asio io_context with the connections it was given; one acceptor
// that admits or refuses connections before any TLS; every deadline a timer of the loop.
#pragma once

#include "ChannelCounters.hpp"
#include "MaterialStore.hpp"
#include "ServerSettings.hpp"

#include "rivet/sdk/abi.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace rivet::mtls {

using LogFn = std::function<void(rivet_log_level, const std::string&)>;

class ServerConnection;

// One I/O thread and the connections it serves. Its connection set is touched only on its own
// thread (and after the thread ended).
struct IoLoop {
  boost::asio::io_context context{1};
  std::thread thread;
  std::unordered_set<std::shared_ptr<ServerConnection>> connections;
  char scratch[64 * 1024]; // reads land here first; only leftovers are kept per connection
};

class ChannelServer {
public:
  ChannelServer(const rivet_host_api* host, const MaterialStore& materials, ServerSettings s,
                LogFn log);
  ~ChannelServer();

  // Binds and starts the loops; throws std::runtime_error naming the address on failure.
  void start();
  // Stops accepting and closes idle connections at once; requests being served get up to
  // `grace` to finish and answer, then every connection is closed and the threads joined.
  void stop(std::chrono::milliseconds grace = std::chrono::seconds(10));

  // Used by connections (from their loop's thread).
  const rivet_host_api* host() const { return host_; }
  const MaterialStore& materials() const { return materials_; }
  const ServerSettings& settings() const { return settings_; }
  void log(rivet_log_level level, const std::string& message) const { log_(level, message); }
  bool stopping() const { return stopping_.load(std::memory_order_relaxed); }
  ChannelCounters& counters() { return counters_; }
  // The counters as one JSON object (ABI 1.4 metrics()); any thread, until destruction.
  std::string metricsJson() const;
  void handshakeEnded(const std::string& address);
  void connectionClosed(IoLoop& loop, const std::shared_ptr<ServerConnection>& c);
  // A request is being read or served (stop() waits for these), or no longer.
  void busy(bool on) { busy_.fetch_add(on ? 1 : -1, std::memory_order_relaxed); }
  // The node-wide budget of request body bytes held: false when `bytes` do not fit.
  bool reserveBody(uint64_t bytes);
  void releaseBody(uint64_t bytes);

private:
  void accept();
  void admit(boost::asio::ip::tcp::socket socket, const boost::asio::ip::tcp::endpoint& remote,
             IoLoop& loop);
  void summarize();

  const rivet_host_api* host_;
  const MaterialStore& materials_;
  ServerSettings settings_;
  LogFn log_;
  std::vector<std::unique_ptr<IoLoop>> loops_;
  size_t nextLoop_ = 0;
  std::unique_ptr<boost::asio::ip::tcp::acceptor> acceptor_;
  boost::asio::ip::tcp::endpoint acceptedFrom_; // filled by accept(): no getpeername() needed
  std::unique_ptr<boost::asio::steady_timer> acceptPause_; // after EMFILE
  int64_t lastAcceptWarn_ = 0;                             // seconds: when EMFILE was last said
  std::unique_ptr<boost::asio::steady_timer> summaryTimer_;
  uint64_t reported_[ChannelCounters::kCount] = {};
  ChannelCounters counters_;
  std::atomic<bool> stopping_{false};
  bool started_ = false;
  std::atomic<size_t> connections_{0};
  std::atomic<int> busy_{0};
  std::atomic<uint64_t> bodyBytes_{0};
  std::mutex handshakeMutex_;
  size_t handshakes_ = 0;
  std::unordered_map<std::string, size_t> handshakesFrom_;
};

} // namespace rivet::mtls
