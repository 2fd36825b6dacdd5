// Closed → open after N consecutive failures → half-open after the cool-down → closed or open.
#include "delegation/CircuitBreaker.hpp"

#include "log/Log.hpp"

namespace rivet::delegation {

bool CircuitBreaker::allow(const std::string& peer) {
  std::lock_guard<std::mutex> lock(mutex_);
  Peer& p = peers_[peer];
  if (p.state == State::Closed)
    return true;
  if (p.state == State::HalfOpen)
    return false; // a trial is already under way
  if (std::chrono::steady_clock::now() - p.openedAt < coolDown_)
    return false;
  p.state = State::HalfOpen;
  log::get("MeshDelegation")->info("Circuit for {} half-open: trying it again", peer);
  return true;
}

bool CircuitBreaker::isOpen(const std::string& peer) const {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = peers_.find(peer);
  if (it == peers_.end() || it->second.state == State::Closed)
    return false;
  return it->second.state == State::HalfOpen ||
         std::chrono::steady_clock::now() - it->second.openedAt < coolDown_;
}

std::vector<std::pair<std::string, std::string>> CircuitBreaker::states() const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& [name, p] : peers_)
    out.emplace_back(name, p.state == State::Closed ? "closed"
                           : p.state == State::Open ? "open"
                                                    : "half_open");
  return out;
}

void CircuitBreaker::recordSuccess(const std::string& peer) {
  std::lock_guard<std::mutex> lock(mutex_);
  Peer& p = peers_[peer];
  if (p.state != State::Closed)
    log::get("MeshDelegation")->info("Circuit for {} closed: it answers again", peer);
  p = Peer{};
}

void CircuitBreaker::recordFailure(const std::string& peer, const std::string& reason) {
  std::lock_guard<std::mutex> lock(mutex_);
  Peer& p = peers_[peer];
  ++p.failures;
  if (p.state == State::HalfOpen || (p.state == State::Closed && p.failures >= threshold_)) {
    p.state = State::Open;
    p.openedAt = std::chrono::steady_clock::now();
    log::get("MeshDelegation")
        ->warn("Circuit for {} opened after {} failure{} ({}); skipping it for {} s", peer,
               p.failures, p.failures == 1 ? "" : "s", reason,
               std::chrono::duration_cast<std::chrono::seconds>(coolDown_).count());
  }
}

} // namespace rivet::delegation
