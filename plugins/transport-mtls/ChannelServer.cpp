// Loops, acceptor, admission and shutdown of the agent channel.
#include "ChannelServer.hpp"

#include "ServerConnection.hpp"

#include <algorithm>

#include <boost/asio/post.hpp>

#include <sys/resource.h>

namespace rivet::mtls {
namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

constexpr auto kSummaryEvery = std::chrono::seconds(60);

// Every connection is a file descriptor: the soft limit is raised to the hard one at start.
void raiseFileLimit(const ServerSettings& s, const LogFn& log) {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0)
    return;
  if (limit.rlim_cur < limit.rlim_max) {
    rlimit raised = limit;
    raised.rlim_cur = limit.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &raised) == 0)
      limit = raised;
  }
  if (limit.rlim_cur != RLIM_INFINITY && limit.rlim_cur < s.maxConnections + 64)
    log(RIVET_LOG_WARN, "the open file limit (" + std::to_string(limit.rlim_cur) +
                            ") is below mesh.channel.max_connections (" +
                            std::to_string(s.maxConnections) +
                            "): connections beyond it are refused; raise the limit "
                            "(ulimit -n, LimitNOFILE=) or lower max_connections");
}

tcp::endpoint listenEndpoint(const ServerSettings& s) {
  boost::system::error_code ec;
  auto address = asio::ip::make_address(s.listenHost, ec);
  if (!ec)
    return {address, static_cast<unsigned short>(s.port)};
  asio::io_context io;
  tcp::resolver resolver(io);
  auto results = resolver.resolve(s.listenHost, std::to_string(s.port), ec);
  if (ec || results.empty())
    throw std::runtime_error("cannot listen on " + s.listenHost + ":" + std::to_string(s.port) +
                             " (mesh.listen_host): the name does not resolve: " + ec.message());
  return *results.begin();
}

} // namespace

ChannelServer::ChannelServer(const rivet_host_api* host, const MaterialStore& materials,
                             ServerSettings s, LogFn log)
    : host_(host), materials_(materials), settings_(std::move(s)), log_(std::move(log)) {}

ChannelServer::~ChannelServer() {
  stop();
  // The acceptor and timers belong to the first loop's io_context: they go before it. Then the
  // connections still held by handlers end with their loops, while the counts exist.
  acceptor_.reset();
  acceptPause_.reset();
  summaryTimer_.reset();
  loops_.clear();
}

void ChannelServer::start() {
  raiseFileLimit(settings_, log_);
  int threads = settings_.ioThreads > 0 ? settings_.ioThreads
                                        : static_cast<int>(std::thread::hardware_concurrency());
  threads = std::max(1, threads);
  for (int i = 0; i < threads; ++i)
    loops_.push_back(std::make_unique<IoLoop>());
  IoLoop& first = *loops_.front();
  acceptor_ = std::make_unique<tcp::acceptor>(first.context);
  try {
    tcp::endpoint endpoint = listenEndpoint(settings_);
    acceptor_->open(endpoint.protocol());
    // SO_REUSEADDR (a restart need not wait for TIME_WAIT) but never SO_REUSEPORT: a second
    // rivetd on the same port must fail here.
    acceptor_->set_option(tcp::acceptor::reuse_address(true));
    acceptor_->bind(endpoint);
    acceptor_->listen(1024);
  } catch (const boost::system::system_error& e) {
    throw std::runtime_error("cannot listen on " + settings_.listenHost + ":" +
                             std::to_string(settings_.port) + " (mesh.listen_host, " +
                             "mesh.agent_channel_port): " + e.code().message() +
                             "; is another rivetd already running there?");
  }
  acceptPause_ = std::make_unique<asio::steady_timer>(first.context);
  summaryTimer_ = std::make_unique<asio::steady_timer>(first.context);
  started_ = true;
  accept();
  summarize();
  for (auto& loop : loops_) {
    IoLoop* l = loop.get();
    l->thread = std::thread([l] {
      auto work = asio::make_work_guard(l->context);
      l->context.run();
    });
  }
}

void ChannelServer::accept() {
  IoLoop& loop = *loops_[nextLoop_];
  nextLoop_ = (nextLoop_ + 1) % loops_.size();
  acceptor_->async_accept(
      loop.context, acceptedFrom_, [this, &loop](boost::system::error_code ec, tcp::socket socket) {
        if (ec == asio::error::operation_aborted || stopping())
          return;
        if (ec == asio::error::no_descriptors || ec == asio::error::no_buffer_space) {
          // Out of file descriptors: accepting again at once would spin. Pause, then retry.
          counters_.add(ChannelCounters::kRefusedConnections);
          // At most one line every 10 s while it lasts (the acceptor's thread only touches this).
          int64_t now =
              std::chrono::duration_cast<std::chrono::seconds>(Clock::now().time_since_epoch())
                  .count();
          bool warn = now - lastAcceptWarn_ >= 10;
          if (warn)
            lastAcceptWarn_ = now;
          if (warn)
            log(RIVET_LOG_WARN, "cannot accept agent channel connections: " + ec.message() +
                                    "; raise the open file limit or lower "
                                    "mesh.channel.max_connections");
          acceptPause_->expires_after(std::chrono::milliseconds(100));
          acceptPause_->async_wait([this](boost::system::error_code e) {
            if (!e && !stopping())
              accept();
          });
          return;
        }
        if (!ec)
          admit(std::move(socket), acceptedFrom_, loop);
        accept();
      });
}

void ChannelServer::admit(tcp::socket socket, const tcp::endpoint& remote, IoLoop& loop) {
  // Refusals happen here, before any TLS: the socket closes when it goes out of scope.
  if (connections_.load(std::memory_order_relaxed) >= settings_.maxConnections) {
    counters_.add(ChannelCounters::kRefusedConnections);
    return;
  }
  std::string ip = remote.address().to_string();
  std::string address = remote.address().is_v6() ? "[" + ip + "]:" + std::to_string(remote.port())
                                                 : ip + ":" + std::to_string(remote.port());
  {
    std::lock_guard<std::mutex> lock(handshakeMutex_);
    if (handshakes_ >= settings_.maxHandshakes) {
      counters_.add(ChannelCounters::kRefusedHandshakes);
      return;
    }
    size_t& fromHere = handshakesFrom_[ip];
    if (fromHere >= settings_.maxHandshakesPerAddress) {
      counters_.add(ChannelCounters::kRefusedPerAddress);
      return;
    }
    ++fromHere;
    ++handshakes_;
  }
  connections_.fetch_add(1, std::memory_order_relaxed);
  counters_.accepted.fetch_add(1, std::memory_order_relaxed);
  asio::post(loop.context, [this, &loop, s = std::move(socket), address = std::move(address),
                            ip = std::move(ip)]() mutable {
    auto c = std::make_shared<ServerConnection>(*this, loop, std::move(s), std::move(address),
                                                std::move(ip));
    loop.connections.insert(c);
    c->start();
  });
}

void ChannelServer::handshakeEnded(const std::string& ip) {
  std::lock_guard<std::mutex> lock(handshakeMutex_);
  --handshakes_;
  auto it = handshakesFrom_.find(ip);
  if (it != handshakesFrom_.end() && --it->second == 0)
    handshakesFrom_.erase(it);
}

void ChannelServer::connectionClosed(IoLoop& loop, const std::shared_ptr<ServerConnection>& c) {
  if (loop.connections.erase(c))
    connections_.fetch_sub(1, std::memory_order_relaxed);
}

bool ChannelServer::reserveBody(uint64_t bytes) {
  uint64_t held = bodyBytes_.load(std::memory_order_relaxed);
  do {
    if (held + bytes > settings_.maxInflightBodyBytes)
      return false;
  } while (!bodyBytes_.compare_exchange_weak(held, held + bytes, std::memory_order_relaxed));
  return true;
}

void ChannelServer::releaseBody(uint64_t bytes) {
  bodyBytes_.fetch_sub(bytes, std::memory_order_relaxed);
}

void ChannelServer::summarize() {
  summaryTimer_->expires_after(kSummaryEvery);
  summaryTimer_->async_wait([this](boost::system::error_code ec) {
    if (ec || stopping())
      return;
    std::string text = counters_.summarySince(reported_);
    if (!text.empty())
      log(RIVET_LOG_WARN, "Agent channel, last " + std::to_string(kSummaryEvery.count()) +
                              " s: connections " + text);
    summarize();
  });
}

void ChannelServer::stop(std::chrono::milliseconds grace) {
  if (!started_)
    return;
  started_ = false;
  stopping_ = true;
  IoLoop& first = *loops_.front();
  asio::post(first.context, [this] {
    boost::system::error_code ec;
    acceptor_->close(ec);
    acceptPause_->cancel();
    summaryTimer_->cancel();
  });
  auto onEachLoop = [this](bool all) {
    for (auto& loop : loops_) {
      IoLoop* l = loop.get();
      asio::post(l->context, [l, all] {
        auto copy = l->connections;
        for (auto& c : copy)
          all ? c->close() : c->closeIfIdle();
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
  waitUntil(std::chrono::seconds(5), [this] { return connections_.load() == 0; });
  for (auto& loop : loops_) {
    loop->context.stop();
    if (loop->thread.joinable())
      loop->thread.join();
  }
  for (auto& loop : loops_)
    loop->connections.clear();
}

std::string ChannelServer::metricsJson() const {
  return "{\"connections_open\":" + std::to_string(connections_.load(std::memory_order_relaxed)) +
         ",\"requests_in_progress\":" +
         std::to_string(std::max(0, busy_.load(std::memory_order_relaxed))) + "," +
         counters_.jsonFields() + "}";
}

} // namespace rivet::mtls
