// Cancellation for a request that blocks inside Poco (waiting for the first byte, or for the
// next event of a stream that stalls): a thread that polls the host's cancellation and, once it
// is set, shuts the socket down so that the blocked read returns at once.
#pragma once

#include <Poco/Net/Socket.h>

#include <sys/socket.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

namespace rivet::llm {

class CancelWatch {
public:
  /// `cancelled` is polled every `slice` from the watching thread (the ABI allows any thread).
  CancelWatch(const std::function<bool()>& cancelled, std::chrono::milliseconds slice)
      : cancelled_(cancelled), slice_(slice) {}
  ~CancelWatch() { stop(); }
  CancelWatch(const CancelWatch&) = delete;
  CancelWatch& operator=(const CancelWatch&) = delete;

  /// Watches the connected `socket`, which must outlive stop() (or this object). Only the
  /// descriptor is shut down (not TLS, whose state belongs to the reading thread).
  void start(const Poco::Net::Socket& socket) {
    const poco_socket_t fd = socket.impl()->sockfd();
    thread_ = std::thread([this, fd] {
      std::unique_lock<std::mutex> lock(mutex_);
      while (!stopping_) {
        if (cancelled_()) {
          fired_ = true;
          ::shutdown(fd, SHUT_RDWR);
          return;
        }
        wake_.wait_for(lock, slice_);
      }
    });
  }
  void stop() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable())
      thread_.join();
  }
  /// Whether the socket was shut down because the host cancelled.
  bool fired() const { return fired_; }

private:
  const std::function<bool()>& cancelled_;
  std::chrono::milliseconds slice_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::atomic<bool> fired_{false};
  std::thread thread_;
};

} // namespace rivet::llm
