// One event loop of the load generator: an epoll set of non-blocking TLS connections, each
// running a closed loop of requests (connect, handshake, write, read, repeat or reconnect).
#pragma once

#include "BenchOptions.hpp"
#include "BenchResponseParser.hpp"
#include "BenchStats.hpp"
#include "BenchTlsClient.hpp"

#include <sys/socket.h>

#include <memory>
#include <string>
#include <vector>

namespace rivet::ctl {

// Where to connect: one resolved address of --url.
struct BenchTarget {
  sockaddr_storage addr{};
  socklen_t addrLen = 0;
};

class BenchLoop {
public:
  // `connections` of this loop's share; `request` is the whole HTTP request, sent as is.
  BenchLoop(const BenchOptions& options, const BenchTlsClient& tls, const BenchTarget& target,
            const std::string& request, BenchSchedule& schedule, unsigned connections);
  ~BenchLoop();
  BenchLoop(const BenchLoop&) = delete;
  BenchLoop& operator=(const BenchLoop&) = delete;

  // Runs until the schedule ends (or, with --requests, until its budget is used up).
  // Throws std::runtime_error if epoll itself fails.
  void run();
  const BenchStats& stats() const { return stats_; }
  // With --print-response: the first complete response, as received.
  const std::string& firstResponse() const { return capture_; }

private:
  enum class State { Idle, Backoff, Connecting, Handshaking, Writing, Reading };
  struct Conn {
    int fd = -1;
    SSL* ssl = nullptr;
    SSL_SESSION* session = nullptr; // newest ticket, for --resume
    State state = State::Idle;
    unsigned interest = 0; // epoll events registered
    BenchResponseParser parser;
    BenchClock::time_point start, deadline, retryAt;
    bool measured = false;
  };

  void startRequest(Conn& c, BenchClock::time_point now);
  void openConnection(Conn& c);
  void onEvent(Conn& c, unsigned events);
  void handshake(Conn& c);
  void writeRequest(Conn& c);
  void readResponse(Conn& c);
  void finishRequest(Conn& c);
  void fail(Conn& c, BenchError kind, const std::string& why);
  void closeConnection(Conn& c, bool graceful);
  void want(Conn& c, int sslError);           // sets epoll interest for SSL_ERROR_WANT_READ/WRITE
  bool setInterest(Conn& c, unsigned events); // false: failed, connection closed
  void checkTimers(BenchClock::time_point now);

  const BenchOptions& options_;
  const BenchTlsClient& tls_;
  const BenchTarget& target_;
  const std::string& request_;
  BenchSchedule& schedule_;
  std::vector<std::unique_ptr<Conn>> conns_;
  int epfd_ = -1;
  unsigned idle_ = 0;    // connections with no request to send (budget used up)
  unsigned backoff_ = 0; // connections waiting a moment after an error
  bool capturing_ = false;
  std::string capture_;
  BenchStats stats_;
};

} // namespace rivet::ctl
