// Listening socket, thread pool and connection tracking of the agent channel.
#include "ChannelServer.hpp"

#include "ServerConnection.hpp"

#include <Poco/Net/NetException.h>
#include <Poco/Net/ServerSocket.h>
#include <chrono>
#include <sys/socket.h>

namespace rivet::mtls {

ChannelServer::ChannelServer(const rivet_host_api* host, const MaterialStore& materials,
                             ServerSettings s, LogFn log)
    : host_(host), materials_(materials), settings_(std::move(s)), log_(std::move(log)),
      pool_(2, settings_.maxThreads + 2, 60) {}

ChannelServer::~ChannelServer() {
  stop();
}

void ChannelServer::start() {
  Poco::Net::ServerSocket socket;
  try {
    // SO_REUSEADDR (a restart need not wait for TIME_WAIT) but never SO_REUSEPORT, which
    // Poco's two-argument bind also sets: a second rivetd on the same port must fail here.
    socket.bind(
        Poco::Net::SocketAddress(settings_.listenHost, static_cast<Poco::UInt16>(settings_.port)),
        true, false);
    socket.listen(1024);
  } catch (const Poco::Exception& e) {
    throw std::runtime_error("cannot listen on " + settings_.listenHost + ":" +
                             std::to_string(settings_.port) + " (mesh.listen_host, " +
                             "mesh.agent_channel_port): " + e.displayText() +
                             "; is another rivetd already running there?");
  }
  auto* params = new Poco::Net::TCPServerParams;
  params->setMaxThreads(settings_.maxThreads);
  params->setMaxQueued(settings_.maxQueued);
  params->setThreadIdleTime(Poco::Timespan(60, 0));
  server_ = std::make_unique<Poco::Net::TCPServer>(new ServerConnectionFactory(*this), pool_,
                                                   socket, params);
  server_->start();
}

void ChannelServer::stop(std::chrono::milliseconds grace) {
  if (!server_)
    return;
  stopping_ = true;
  server_->stop(); // stops accepting (returns within the accept poll interval)
  {
    std::unique_lock<std::mutex> lock(mutex_);
    for (const auto& [fd, busy] : live_)
      if (!busy)
        ::shutdown(fd, SHUT_RDWR); // wakes idle connections blocked in a read
    auto busyLeft = [this] {
      for (const auto& entry : live_)
        if (entry.second)
          return true;
      return false;
    };
    if (busyLeft())
      log(RIVET_LOG_INFO, "Waiting up to " + std::to_string(grace.count() / 1000) +
                              " s for requests in progress to finish");
    drained_.wait_for(lock, grace, [&] { return !busyLeft(); });
    for (const auto& entry : live_)
      ::shutdown(entry.first, SHUT_RDWR);
    drained_.wait_for(lock, std::chrono::seconds(5), [this] { return live_.empty(); });
  }
  server_.reset();
  pool_.joinAll();
}

void ChannelServer::track(int fd) {
  std::lock_guard<std::mutex> lock(mutex_);
  live_[fd] = false;
  if (stopping_)
    ::shutdown(fd, SHUT_RDWR);
}

void ChannelServer::untrack(int fd) {
  std::lock_guard<std::mutex> lock(mutex_);
  live_.erase(fd);
  drained_.notify_all();
}

bool ChannelServer::beginRequest(int fd) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (stopping_)
    return false;
  live_[fd] = true;
  return true;
}

void ChannelServer::endRequest(int fd) {
  std::lock_guard<std::mutex> lock(mutex_);
  live_[fd] = false;
  drained_.notify_all();
  if (stopping_)
    ::shutdown(fd, SHUT_RDWR);
}

} // namespace rivet::mtls
