// Loops, listeners and shutdown of the channel server.
#include "ChannelServer.hpp"

#include "PeerExchange.hpp"
#include "ServerConnection.hpp"

#include <algorithm>

#include <boost/asio/post.hpp>

#include <sys/resource.h>

namespace rivet::mtls {
namespace asio = boost::asio;

namespace {

thread_local IoLoop* tLoop = nullptr; // set on the I/O threads

// Every connection is a file descriptor: the soft limit is raised to the hard one at start.
// Each listener admits up to max_connections.
void raiseFileLimit(const ServerSettings& s, size_t listeners, const LogFn& log) {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0)
    return;
  if (limit.rlim_cur < limit.rlim_max) {
    rlimit raised = limit;
    raised.rlim_cur = limit.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &raised) == 0)
      limit = raised;
  }
  if (limit.rlim_cur != RLIM_INFINITY && limit.rlim_cur < s.maxConnections * listeners + 64)
    log(RIVET_LOG_WARN,
        "the open file limit (" + std::to_string(limit.rlim_cur) +
            ") is below mesh.channel.max_connections (" + std::to_string(s.maxConnections) +
            (listeners > 1 ? ", for each of the agent channel and the A2A listener" : "") +
            "): connections beyond it are refused; raise the limit "
            "(ulimit -n, LimitNOFILE=) or lower max_connections",
        "");
}

} // namespace

ChannelServer::ChannelServer(const rivet_host_api* host, const MaterialStore& materials,
                             ServerSettings s, std::optional<ListenerSpec> a2a, LogFn log)
    : host_(host), materials_(materials), settings_(std::move(s)), log_(std::move(log)),
      balancer_(std::make_unique<LoopBalancer>(loops_, settings_.loopRotate)) {
  listeners_.push_back(
      std::make_unique<Listener>(*this, ListenerSpec{false, settings_.listenHost, settings_.port}));
  if (a2a)
    listeners_.push_back(std::make_unique<Listener>(*this, std::move(*a2a)));
}

ChannelServer::~ChannelServer() {
  stop();
  // The acceptors and timers belong to the first loop's io_context: they go before it. Then the
  // connections still held by handlers end with their loops, while the counts exist.
  for (auto& l : listeners_)
    l->release();
  balancer_->release();
  loops_.clear();
}

void ChannelServer::start() {
  raiseFileLimit(settings_, listeners_.size(), log_);
  int threads = settings_.ioThreads > 0 ? settings_.ioThreads
                                        : static_cast<int>(std::thread::hardware_concurrency());
  threads = std::max(1, threads);
  for (int i = 0; i < threads; ++i) {
    loops_.push_back(std::make_unique<IoLoop>());
    loops_.back()->index = static_cast<size_t>(i);
  }
  IoLoop& first = *loops_.front();
  for (auto& l : listeners_) // throws: the ones already bound close with this object
    l->open(first);
  started_ = true;
  for (auto& l : listeners_)
    l->startAccepting();
  for (auto& loop : loops_) {
    IoLoop* l = loop.get();
    l->thread = std::thread([l] {
      tLoop = l;
      auto work = asio::make_work_guard(l->context);
      l->context.run();
    });
  }
  balancer_->start();
  loopsReady_.store(true, std::memory_order_release);
}

IoLoop& ChannelServer::loopForPeers() {
  for (auto& l : loops_)
    if (l.get() == tLoop)
      return *l;
  return loop(peerTurn_.fetch_add(1, std::memory_order_relaxed));
}

void ChannelServer::connectionClosed(IoLoop& loop, Listener& listener,
                                     const std::shared_ptr<ServerConnection>& c) {
  if (loop.connections.erase(c)) {
    loop.assigned.fetch_sub(1, std::memory_order_relaxed);
    connections_.fetch_sub(1, std::memory_order_relaxed);
    listener.connectionClosed();
  }
}

void ChannelServer::connectionMoved(IoLoop& from, IoLoop& to) {
  from.assigned.fetch_sub(1, std::memory_order_relaxed);
  to.assigned.fetch_add(1, std::memory_order_relaxed);
  balancer_->moved();
}

// Both listeners stop accepting first, then connections close in the order documented in
// docs/transport.md "Shutdown": idle ones at once, the others after their answer or the grace.
void ChannelServer::stop(std::chrono::milliseconds grace) {
  if (!started_)
    return;
  started_ = false;
  stopping_ = true;
  IoLoop& first = *loops_.front();
  asio::post(first.context, [this] {
    for (auto& l : listeners_)
      l->close();
    balancer_->stop();
  });
  auto closed = std::make_shared<std::atomic<size_t>>(0); // loops done with the last round
  auto onEachLoop = [this, closed](bool all) {
    for (auto& loop : loops_) {
      IoLoop* l = loop.get();
      asio::post(l->context, [l, all, closed] {
        auto copy = l->connections;
        for (auto& c : copy)
          all ? c->close() : c->closeIfIdle();
        if (all && l->peers) // after the grace: what is still on its way to a peer ends now
          l->peers->closeAll();
        if (all)
          closed->fetch_add(1);
      });
    }
  };
  onEachLoop(false);
  auto waitUntil = [](std::chrono::milliseconds limit, auto done) {
    auto end = Clock::now() + limit;
    while (!done() && Clock::now() < end)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
  };
  if (busy_.load() > 0)
    log(RIVET_LOG_INFO, "Waiting up to " + std::to_string(grace.count() / 1000) +
                            " s for requests in progress to finish");
  waitUntil(grace, [this] { return busy_.load() <= 0; });
  onEachLoop(true);
  waitUntil(std::chrono::seconds(5),
            [this, closed] { return connections_.load() == 0 && closed->load() == loops_.size(); });
  for (auto& loop : loops_) {
    loop->context.stop();
    if (loop->thread.joinable())
      loop->thread.join();
  }
  for (auto& loop : loops_)
    loop->connections.clear();
}

std::string ChannelServer::metricsJson() const {
  std::string out = "{";
  for (const auto& l : listeners_)
    out += (out.size() > 1 ? "," : "") + l->metricsFields();
  // The loops in use for new connections, connections moved between loops, and how many each
  // loop serves (the loops exist once started; metrics may come before).
  out += ",\"io_loops_active\":" + std::to_string(balancer_->active()) +
         ",\"io_loop_moves\":" + std::to_string(balancer_->moves()) + ",\"io_loop_connections\":{";
  if (loopsReady_.load(std::memory_order_acquire))
    for (const auto& l : loops_)
      out += (l->index ? ",\"" : "\"") + std::to_string(l->index) +
             "\":" + std::to_string(l->assigned.load(std::memory_order_relaxed));
  out += "}";
  return out + "}";
}

} // namespace rivet::mtls
