// The agent channel's listening side on an event loop (docs/transport.md): a few I/O threads,
// each running its own Boost.Asio io_context with the connections it was given; one acceptor per
// listener (the agent channel's, and the A2A listener's when the node serves A2A) that admits
// or refuses connections before any TLS; every deadline a timer of the loop.
#pragma once

#include "ChannelCounters.hpp"
#include "Listener.hpp"
#include "LoopBalancer.hpp"
#include "MaterialStore.hpp"
#include "ServerSettings.hpp"

#include "rivet/sdk/abi.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <chrono>
#include <ctime>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <unordered_set>
#include <vector>

namespace rivet::mtls {

// (level, message, log component: "" the transport's own)
using LogFn = std::function<void(rivet_log_level, const std::string&, const char*)>;

class ServerConnection;
struct PeerLinks;

// One I/O thread and the connections it serves. Its connection set is touched only on its own
// thread (and after the thread ended).
struct IoLoop {
  boost::asio::io_context context{1};
  std::thread thread;
  size_t index = 0;        // in ChannelServer's loops
  clockid_t cpuClock = -1; // the thread's CPU time (LoopBalancer)
  // Connections given to this loop and not closed or handed over (any thread reads it).
  std::atomic<size_t> assigned{0};
  // How many of its connections to hand over to another loop as they go idle (LoopBalancer
  // sets it; this loop's thread only).
  size_t handOff = 0;
  std::unordered_set<std::shared_ptr<ServerConnection>> connections;
  char scratch[64 * 1024];          // reads land here first; only leftovers are kept per connection
  std::shared_ptr<PeerLinks> peers; // requests to peers from this loop (PeerExchange.hpp)
  // Connections of this loop that keep their TLS record buffers while idle (at most
  // kBufferHolders): a keep-alive client's next request then costs no 34 KiB of allocations.
  size_t bufferHolders = 0;
  static constexpr size_t kBufferHolders = 64;
};

class ChannelServer {
public:
  // `a2a`: where the A2A listener listens (node_info "a2a"); none when the node serves no A2A.
  ChannelServer(const rivet_host_api* host, const MaterialStore& materials, ServerSettings s,
                std::optional<ListenerSpec> a2a, LogFn log);
  ~ChannelServer();

  // Binds the agent channel, then the A2A listener, and starts the loops; throws
  // std::runtime_error naming the address and its rivet.yaml keys on failure.
  void start();
  // Stops accepting on both listeners and closes idle connections at once; requests being
  // served get up to `grace` to finish and answer, then every connection is closed and the
  // threads joined.
  void stop(std::chrono::milliseconds grace = std::chrono::seconds(10));

  // Used by listeners and connections (from their loop's thread).
  const rivet_host_api* host() const { return host_; }
  const MaterialStore& materials() const { return materials_; }
  const ServerSettings& settings() const { return settings_; }
  void log(rivet_log_level level, const std::string& message, const char* component = "") const {
    log_(level, message, component);
  }
  bool stopping() const { return stopping_.load(std::memory_order_relaxed); }
  // The I/O loops in turn.
  IoLoop& loop(size_t turn) { return *loops_[turn % loops_.size()]; }
  // Any thread, while started: where a new connection goes, or where one idle connection of
  // `from` moves (nullptr: it stays). See LoopBalancer.
  IoLoop* placeLoop(const IoLoop* from = nullptr) { return balancer_->place(from); }
  void connectionMoved(IoLoop& from, IoLoop& to);
  // Any thread, while started: the calling thread's loop when it is one of these (a request
  // forwarded from a connection stays on its loop), else the next in turn.
  IoLoop& loopForPeers();
  // The counters of both listeners as one JSON object (ABI 1.4 metrics()): the agent
  // channel's keys as before, the A2A listener's prefixed "a2a_". Any thread, until destruction.
  std::string metricsJson() const;
  void connectionOpened() { connections_.fetch_add(1, std::memory_order_relaxed); }
  void connectionClosed(IoLoop& loop, Listener& listener,
                        const std::shared_ptr<ServerConnection>& c);
  // A request is being read or served (stop() waits for these), or no longer.
  void busy(Listener& listener, bool on) {
    busy_.fetch_add(on ? 1 : -1, std::memory_order_relaxed);
    listener.busy(on);
  }

private:
  const rivet_host_api* host_;
  const MaterialStore& materials_;
  ServerSettings settings_;
  LogFn log_;
  std::vector<std::unique_ptr<IoLoop>> loops_;
  std::unique_ptr<LoopBalancer> balancer_;
  std::atomic<bool> loopsReady_{false}; // loops_ is complete and stays until destruction
  std::vector<std::unique_ptr<Listener>> listeners_; // the agent channel first
  std::atomic<bool> stopping_{false};
  bool started_ = false;
  std::atomic<size_t> connections_{0}; // of both listeners
  std::atomic<int> busy_{0};
  std::atomic<size_t> peerTurn_{0};
};

} // namespace rivet::mtls
