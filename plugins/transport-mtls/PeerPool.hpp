// The agent channel's client side: keep-alive TLS connections pooled per peer (address, port
// and expected name), deadlines on connect and on the whole exchange, and an honest report of
// whether a failed request may have been delivered.
#pragma once

#include "ByteBudget.hpp"
#include "MaterialStore.hpp"

#include "rivet/sdk/abi.h"

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace rivet::mtls {

// The rules both clients keep (the blocking PeerPool and the loops' PeerExchange).
constexpr auto kMaxIdle = std::chrono::seconds(4); // below the servers' keep-alive timeouts
constexpr size_t kMaxIdlePerPeer = 64;
constexpr size_t kMaxResponseHead = 64 * 1024;
constexpr size_t kMaxResponseBytes = 64 * 1024 * 1024;
constexpr auto kConnectTimeout = std::chrono::milliseconds(5000);
// Interim (1xx) answers come before the final one (RFC 9110 §15.2): skipped, this many at most.
constexpr int kMaxInterimAnswers = 8;
// Why the `count`th interim answer, with `status`, ends the exchange; empty: skip it. A 101
// (Switching Protocols) was never asked for.
std::string interimRefusal(int status, int count);
// Why an answer that does not fit `answers` (mesh.channel.max_inflight_answer_bytes) failed.
std::string overBudgetText(const ByteBudget& answers);

// Where a request goes: `key` names a pooled connection (address, port, expected name).
struct PeerTarget {
  std::string host, name, where, key; // name: verify_name, else host; where: "host:port"
};
PeerTarget peerTarget(const rivet_peer_request& request);
// The request's bytes (head and body) into `out`; false when its method or path could end the
// request line early (nothing is sent then: unsafeRequestText says why).
bool requestBytes(const rivet_peer_request& request, const PeerTarget& target,
                  const std::string& userAgent, std::string& out);
std::string unsafeRequestText(const std::string& where);

// The blocking client (request()), for callers on their own threads; PeerExchange is the one
// on the I/O loops.
class PeerPool {
public:
  // `answers`: the transport's budget of answer bytes, shared with PeerExchange.
  PeerPool(const MaterialStore& materials, std::string userAgent, ByteBudget& answers);
  ~PeerPool();

  rivet_net_result request(const rivet_peer_request& request, rivet_peer_response& response);
  // Closes idle connections.
  void clear();

  struct Connection;

private:
  std::unique_ptr<Connection> take(const std::string& key);
  void giveBack(const std::string& key, std::unique_ptr<Connection> c);

  const MaterialStore& materials_;
  std::string userAgent_;
  ByteBudget& answers_;
  std::mutex mutex_;
  std::map<std::string, std::vector<std::unique_ptr<Connection>>> idle_;
};

} // namespace rivet::mtls
