// One event loop of the load generator: an epoll set of non-blocking TLS connections, each
// running a closed loop of requests (connect, handshake, write, read, repeat or reconnect) or,
// with --hold, one request and then an idle wait for as long as the server keeps it open.
#pragma once

#include "BenchOptions.hpp"
#include "BenchResponseParser.hpp"
#include "BenchSocket.hpp"
#include "BenchStats.hpp"
#include "BenchTlsClient.hpp"

#include <atomic>
#include <memory>
#include <string>
#include <vector>

namespace rivet::ctl {

class BenchLoop {
public:
  // `connections` of this loop's share; `request` is the whole HTTP request, sent as is.
  BenchLoop(const BenchOptions& options, const BenchTlsClient& tls, const BenchTarget& target,
            const std::string& request, BenchSchedule& schedule, unsigned connections);
  ~BenchLoop();
  BenchLoop(const BenchLoop&) = delete;
  BenchLoop& operator=(const BenchLoop&) = delete;

  // Runs until the schedule ends (or, with --requests, until its budget is used up; with
  // --hold, until schedule.stop). Throws std::runtime_error if epoll itself fails.
  void run();
  const BenchStats& stats() const { return stats_; }
  // With --hold (read from any thread): every connection of this loop has been opened and
  // answered, or has failed, or --open-seconds is over; and how many are held open now.
  bool openingDone() const { return openingDone_; }
  unsigned heldNow() const { return held_; }
  // With --print-response: the first complete response, as received.
  const std::string& firstResponse() const { return capture_; }

private:
  enum class State { Idle, Backoff, Connecting, Handshaking, Writing, Reading, Held };
  struct Conn {
    std::size_t slot = 0; // for --source, in turn
    bool opening = false; // --hold: started, not yet held or failed
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
  void startOpenings(BenchClock::time_point now); // --hold: within the window and the time
  void onHeldEvent(Conn& c);                      // --hold: data or a close while idle
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
  const bool hold_;
  unsigned window_ = 0;      // --hold: this loop's share of --open-window
  std::size_t nextSlot_ = 0; // --hold: the next connection to open
  unsigned opening_ = 0;     // --hold: connections being opened now
  BenchClock::time_point openDeadline_;
  std::atomic<bool> openingDone_{false};
  std::atomic<unsigned> held_{0};
  bool capturing_ = false;
  std::string capture_;
  BenchStats stats_;
};

} // namespace rivet::ctl
