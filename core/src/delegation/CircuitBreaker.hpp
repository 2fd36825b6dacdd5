// Per-peer circuit breaker: after repeated failures to reach a peer it is skipped for a
// cool-down, then one trial request decides whether it is healthy again. State changes are logged.
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace rivet::delegation {

class CircuitBreaker {
public:
  CircuitBreaker(int failureThreshold = 3,
                 std::chrono::milliseconds coolDown = std::chrono::seconds(30))
      : threshold_(failureThreshold), coolDown_(coolDown) {}

  // False while the peer's circuit is open; after the cool-down one caller gets true
  // (half-open trial).
  bool allow(const std::string& peer);
  // True while `peer` would be skipped (open, or its one trial is under way); no side effect.
  bool isOpen(const std::string& peer) const;
  void recordSuccess(const std::string& peer);
  void recordFailure(const std::string& peer, const std::string& reason);
  // Every peer seen and its state now: "closed", "open" or "half_open" (for /metrics).
  std::vector<std::pair<std::string, std::string>> states() const;

private:
  enum class State { Closed, Open, HalfOpen };
  struct Peer {
    State state = State::Closed;
    int failures = 0;
    std::chrono::steady_clock::time_point openedAt;
  };
  int threshold_;
  std::chrono::milliseconds coolDown_;
  mutable std::mutex mutex_;
  std::map<std::string, Peer> peers_;
};

} // namespace rivet::delegation
