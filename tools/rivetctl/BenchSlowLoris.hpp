// `rivetctl bench --slowloris N`: N connections that each trickle their TLS handshake (or, after
// a full handshake, a request head that never ends) one byte at a time, reopened when the
// server closes them, so that a legitimate client can be measured beside them.
#pragma once

#include "BenchOptions.hpp"
#include "BenchSocket.hpp"
#include "BenchStats.hpp"
#include "BenchTlsClient.hpp"

#include <array>
#include <atomic>
#include <ostream>
#include <string>
#include <vector>

namespace rivet::ctl {

class BenchSlowLoris {
public:
  BenchSlowLoris(const BenchOptions& options, const BenchTlsClient& tls, const BenchTarget& target);
  ~BenchSlowLoris();
  BenchSlowLoris(const BenchSlowLoris&) = delete;
  BenchSlowLoris& operator=(const BenchSlowLoris&) = delete;

  // Runs until `stop`. Throws std::runtime_error if epoll itself fails.
  void run(const std::atomic<bool>& stop);
  // Read from any thread: every connection has trickled at least once (or --open-seconds is
  // over), and how many are trickling now.
  bool openingDone() const { return openingDone_; }
  unsigned trickling() const { return trickling_; }
  // After run(): one JSON object (--json) or a short text. True when nothing failed.
  bool report(std::ostream& out, double openSeconds) const;

private:
  enum class State { Waiting, Connecting, Handshaking, Trickling };
  struct Conn {
    std::size_t slot = 0;
    int fd = -1;
    SSL* ssl = nullptr;
    State state = State::Waiting;
    bool everTrickled = false;
    std::size_t sent = 0;          // bytes of the trickled stream sent on this connection
    BenchClock::time_point at;     // Waiting: reopen then; Trickling: next byte; else deadline
    BenchClock::time_point opened; // when connect() was called
  };

  void open(Conn& c, BenchClock::time_point now);
  void onEvent(Conn& c);
  void handshake(Conn& c);
  void startTrickling(Conn& c, BenchClock::time_point now);
  void trickle(Conn& c, BenchClock::time_point now);
  void drain(Conn& c); // the server sent something or closed
  void closedByServer(Conn& c);
  void fail(Conn& c, BenchError kind, const std::string& why);
  void close(Conn& c, BenchClock::time_point reopenAt);
  bool setInterest(Conn& c, unsigned events);
  char byteAt(std::size_t i) const;

  const BenchOptions& options_;
  const BenchTlsClient& tls_;
  const BenchTarget& target_;
  std::vector<Conn> conns_;
  int epfd_ = -1;
  std::string prefix_; // handshake: a ClientHello; head: the request line and Host
  std::string filler_; // head: one header line, repeated forever after the prefix
  BenchClock::duration interval_;
  unsigned opening_ = 0;
  std::atomic<bool> openingDone_{false};
  std::atomic<unsigned> trickling_{0};
  // Figures for the report.
  std::uint64_t opened_ = 0, handshakes_ = 0, closed_ = 0, bytesSent_ = 0;
  std::array<std::uint64_t, kBenchErrorKinds> errors_{};
  std::string firstError_;
  std::vector<double> lifetimesMs_; // of the connections the server closed
  double openSum_ = 0, openMin_ = -1;
  std::uint64_t openSamples_ = 0;
};

} // namespace rivet::ctl
