// Which I/O loops take connections, and moving keep-alive connections between them
// (docs/transport.md "Loads of the I/O loops"). Every quarter of a second, on the first loop,
// it samples each loop thread's CPU time and the machine's idle time; LoopPolicy decides how
// many loops are in use. New connections go to the loop in use with the fewest; when the number
// changes, the loops with more than their share hand the extra ones over as those go idle
// between requests (ServerConnection::moveAway).
#pragma once

#include "LoopPolicy.hpp"

#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <ctime>
#include <memory>
#include <vector>

namespace rivet::mtls {

struct IoLoop;

class LoopBalancer {
public:
  // `rotate` > 0 (a test's transport settings only): every `rotate`, all loops in use, then one,
  // and so on, so that connections keep moving.
  LoopBalancer(std::vector<std::unique_ptr<IoLoop>>& loops, std::chrono::milliseconds rotate);
  ~LoopBalancer();

  // Once the loops' threads exist: samples from then on, on the first loop.
  void start();
  // On the first loop's thread: no more samples.
  void stop();
  // The timer belongs to the first loop's context: it goes before it does.
  void release() { timer_.reset(); }

  // Any thread. Where a connection goes: the loop in use with the fewest connections. With
  // `from` (a loop handing one over), one other than it, or nullptr when moving it would not
  // even the loops out.
  IoLoop* place(const IoLoop* from = nullptr) const;
  size_t active() const { return active_.load(std::memory_order_relaxed); }
  uint64_t moves() const { return moves_.load(std::memory_order_relaxed); }
  void moved() { moves_.fetch_add(1, std::memory_order_relaxed); }

private:
  void arm();
  void sample();
  void handOut(size_t active, bool changed);

  std::vector<std::unique_ptr<IoLoop>>& loops_;
  std::chrono::milliseconds rotate_;
  LoopPolicy policy_;
  std::unique_ptr<boost::asio::steady_timer> timer_;
  std::atomic<size_t> active_{1};
  std::atomic<uint64_t> moves_{0};
  // The previous sample (the first loop's thread only).
  std::chrono::steady_clock::time_point at_{};
  std::vector<int64_t> cpuNs_;
  int64_t idleTicks_ = -1;
  std::vector<double> busy_;
  bool stopped_ = false;
};

} // namespace rivet::mtls
