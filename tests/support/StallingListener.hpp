// A TCP listener on 127.0.0.1 that accepts connections and never sends a byte: a peer that
// stalls before TLS ends.
#pragma once

#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/StreamSocket.h>

#include <atomic>
#include <thread>
#include <vector>

namespace rivet::test {

// Accepts connections and holds them open without a byte, until destroyed.
class StallingListener {
public:
  StallingListener() : socket_(Poco::Net::SocketAddress("127.0.0.1", 0)) {
    thread_ = std::thread([this] {
      while (!stop_) {
        if (socket_.poll(Poco::Timespan(0, 50000), Poco::Net::Socket::SELECT_READ))
          held_.push_back(socket_.acceptConnection());
      }
    });
  }
  ~StallingListener() {
    stop_ = true;
    thread_.join();
  }
  int port() const { return socket_.address().port(); }

private:
  Poco::Net::ServerSocket socket_;
  std::vector<Poco::Net::StreamSocket> held_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

} // namespace rivet::test
