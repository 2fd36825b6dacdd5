// Binding, accepting and admission of one listener (docs/transport.md "Admission and limits").
#include "Listener.hpp"

#include "ChannelServer.hpp"
#include "ServerConnection.hpp"

#include <boost/asio/post.hpp>

namespace rivet::mtls {
namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

constexpr auto kSummaryEvery = std::chrono::seconds(60);

// The rivet.yaml keys a listen failure names, and what to do about it.
struct ListenKeys {
  const char* keys;
  const char* hint;
};

ListenKeys keysOf(bool a2a) {
  if (a2a)
    return {"a2a.address, a2a.port", "choose a free a2a.port (or another a2a.address)"};
  return {"mesh.listen_host, mesh.agent_channel_port", "is another rivetd already running there?"};
}

tcp::endpoint listenEndpoint(const ListenerSpec& s, const char* prefix) {
  boost::system::error_code ec;
  auto address = asio::ip::make_address(s.host, ec);
  if (!ec)
    return {address, static_cast<unsigned short>(s.port)};
  asio::io_context io;
  tcp::resolver resolver(io);
  auto results = resolver.resolve(s.host, std::to_string(s.port), ec);
  if (ec || results.empty())
    throw std::runtime_error(std::string(prefix) + "cannot listen on " + s.host + ":" +
                             std::to_string(s.port) + " (" +
                             (s.a2a ? "a2a.address" : "mesh.listen_host") +
                             "): the name does not resolve: " + ec.message());
  return *results.begin();
}

} // namespace

Listener::Listener(ChannelServer& server, ListenerSpec spec)
    : server_(server), spec_(std::move(spec)), bodies_(server.settings().maxInflightBodyBytes) {}

Listener::~Listener() {
  release();
}

void Listener::log(rivet_log_level level, const std::string& message) const {
  server_.log(level, message, component());
}

void Listener::open(IoLoop& acceptLoop) {
  // The agent channel's message stays as it was; the A2A listener says which listener failed.
  const char* prefix = spec_.a2a ? "a2a listener: " : "";
  acceptor_ = std::make_unique<tcp::acceptor>(acceptLoop.context);
  tcp::endpoint endpoint = listenEndpoint(spec_, prefix);
  try {
    acceptor_->open(endpoint.protocol());
    // SO_REUSEADDR (a restart need not wait for TIME_WAIT) but never SO_REUSEPORT: a second
    // rivetd on the same port must fail here.
    acceptor_->set_option(tcp::acceptor::reuse_address(true));
    acceptor_->bind(endpoint);
    acceptor_->listen(1024);
  } catch (const boost::system::system_error& e) {
    ListenKeys k = keysOf(spec_.a2a);
    throw std::runtime_error(std::string(prefix) + "cannot listen on " + address() + " (" + k.keys +
                             "): " + e.code().message() + "; " + k.hint);
  }
  acceptPause_ = std::make_unique<asio::steady_timer>(acceptLoop.context);
  summaryTimer_ = std::make_unique<asio::steady_timer>(acceptLoop.context);
}

void Listener::startAccepting() {
  accept();
  summarize();
}

void Listener::close() {
  boost::system::error_code ec;
  if (acceptor_)
    acceptor_->close(ec);
  if (acceptPause_)
    acceptPause_->cancel();
  if (summaryTimer_)
    summaryTimer_->cancel();
}

void Listener::release() {
  acceptor_.reset();
  acceptPause_.reset();
  summaryTimer_.reset();
}

void Listener::accept() {
  IoLoop& loop = *server_.placeLoop(); // the loop in use with the fewest connections
  acceptor_->async_accept(
      loop.context, acceptedFrom_, [this, &loop](boost::system::error_code ec, tcp::socket socket) {
        if (ec == asio::error::operation_aborted || server_.stopping())
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
            log(RIVET_LOG_WARN, std::string("cannot accept ") +
                                    (spec_.a2a ? "A2A listener" : "agent channel") +
                                    " connections: " + ec.message() +
                                    "; raise the open file limit or lower "
                                    "mesh.channel.max_connections");
          acceptPause_->expires_after(std::chrono::milliseconds(100));
          acceptPause_->async_wait([this](boost::system::error_code e) {
            if (!e && !server_.stopping())
              accept();
          });
          return;
        }
        if (!ec)
          admit(std::move(socket), acceptedFrom_, loop);
        accept();
      });
}

void Listener::admit(tcp::socket socket, const tcp::endpoint& remote, IoLoop& loop) {
  // Refusals happen here, before any TLS: the socket closes when it goes out of scope.
  const ServerSettings& s = server_.settings();
  if (connections_.load(std::memory_order_relaxed) >= s.maxConnections) {
    counters_.add(ChannelCounters::kRefusedConnections);
    return;
  }
  std::string ip = remote.address().to_string();
  std::string address = remote.address().is_v6() ? "[" + ip + "]:" + std::to_string(remote.port())
                                                 : ip + ":" + std::to_string(remote.port());
  {
    std::lock_guard<std::mutex> lock(handshakeMutex_);
    if (handshakes_ >= s.maxHandshakes) {
      counters_.add(ChannelCounters::kRefusedHandshakes);
      return;
    }
    size_t& fromHere = handshakesFrom_[ip];
    if (fromHere >= s.maxHandshakesPerAddress) {
      counters_.add(ChannelCounters::kRefusedPerAddress);
      return;
    }
    ++fromHere;
    ++handshakes_;
  }
  connections_.fetch_add(1, std::memory_order_relaxed);
  server_.connectionOpened();
  counters_.accepted.fetch_add(1, std::memory_order_relaxed);
  loop.assigned.fetch_add(1, std::memory_order_relaxed);
  asio::post(loop.context, [this, &loop, s = std::move(socket), address = std::move(address),
                            ip = std::move(ip)]() mutable {
    auto c = std::make_shared<ServerConnection>(server_, *this, loop, std::move(s),
                                                std::move(address), std::move(ip));
    loop.connections.insert(c);
    c->start();
  });
}

void Listener::handshakeEnded(const std::string& ip) {
  std::lock_guard<std::mutex> lock(handshakeMutex_);
  --handshakes_;
  auto it = handshakesFrom_.find(ip);
  if (it != handshakesFrom_.end() && --it->second == 0)
    handshakesFrom_.erase(it);
}

void Listener::summarize() {
  summaryTimer_->expires_after(kSummaryEvery);
  summaryTimer_->async_wait([this](boost::system::error_code ec) {
    if (ec || server_.stopping())
      return;
    std::string text = counters_.summarySince(reported_);
    if (!text.empty())
      log(RIVET_LOG_WARN, std::string(title()) + ", last " + std::to_string(kSummaryEvery.count()) +
                              " s: connections " + text);
    summarize();
  });
}

std::string Listener::metricsFields() const {
  const std::string p = spec_.a2a ? "a2a_" : "";
  return "\"" + p + "connections_open\":" + std::to_string(connections()) + ",\"" + p +
         "requests_in_progress\":" +
         std::to_string(std::max(0, busy_.load(std::memory_order_relaxed))) + "," +
         counters_.jsonFields(p);
}

} // namespace rivet::mtls
