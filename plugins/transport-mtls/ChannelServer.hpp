// The agent channel's listening side: accepts TCP, serves each connection on a pool thread
// (TLS handshake, identity read once, HTTP keep-alive), and stops promptly even with idle clients.
#pragma once

#include "MaterialStore.hpp"
#include "ServerSettings.hpp"

#include "rivet/sdk/abi.h"

#include <Poco/Net/TCPServer.h>
#include <Poco/ThreadPool.h>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>

namespace rivet::mtls {

using LogFn = std::function<void(rivet_log_level, const std::string&)>;

class ChannelServer {
public:
  ChannelServer(const rivet_host_api* host, const MaterialStore& materials, ServerSettings s,
                LogFn log);
  ~ChannelServer();

  // Binds and starts accepting; throws std::runtime_error naming the address on failure.
  void start();
  // Stops accepting and closes idle connections at once; requests being served get up to
  // `grace` to finish and answer, then every connection is closed and the threads joined.
  void stop(std::chrono::milliseconds grace = std::chrono::seconds(10));

  // Used by connections.
  const rivet_host_api* host() const { return host_; }
  const MaterialStore& materials() const { return materials_; }
  const ServerSettings& settings() const { return settings_; }
  void log(rivet_log_level level, const std::string& message) const { log_(level, message); }
  bool stopping() const { return stopping_; }
  void track(int fd);
  void untrack(int fd);
  // A request head arrived: false when the server is stopping (the connection should close).
  bool beginRequest(int fd);
  void endRequest(int fd);

private:
  const rivet_host_api* host_;
  const MaterialStore& materials_;
  ServerSettings settings_;
  LogFn log_;
  Poco::ThreadPool pool_;
  std::unique_ptr<Poco::Net::TCPServer> server_;
  std::mutex mutex_;
  std::condition_variable drained_;
  std::map<int, bool> live_; // fd -> serving a request
  std::atomic<bool> stopping_{false};
};

} // namespace rivet::mtls
