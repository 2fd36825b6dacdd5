// The node's policy as it is enforced where a task arrives (docs/policy.md): the caller it
// believes, the rate limit per caller, the rules, and each agent's places. Reloaded on SIGHUP
// as a whole; a task that holds a place keeps it across a reload.
#pragma once

#include "config/Config.hpp"
#include "policy/AgentSlots.hpp"
#include "policy/CallerRates.hpp"
#include "policy/RuleSet.hpp"

#include <spdlog/logger.h>

#include <array>
#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>

namespace rivet::policy {

// A task as it arrives, before any agent code runs.
struct Arrival {
  std::string agent;     // the local agent to run; empty: none here (it is forwarded on)
  std::string peerCn;    // the certificate that sent it; empty: one of this node's agents
  std::string peerNode;  // that CN without ".mesh" (this node's name for its own agents)
  std::string claimed;   // the `caller` field as received: "", "cn:<node>" or "unknown"
  std::string fromAgent; // the agent the sender says asks
};

struct Admission {
  int status = 0; // 0: admitted; 403 (the rules), 429 (places or rate limit)
  std::string error;
  int retryAfterSeconds = 0;
  Caller caller;              // who this node believes asks
  std::string callerField;    // what to send on as `caller` when forwarding ("" for none)
  std::shared_ptr<Slot> slot; // the agent's place, when it has limits
  Decision decision;
};

enum class Refusal { Deny, NotAllowed, AuditDeny, QueueFull, RateLimit, Count };

class Gate {
public:
  explicit Gate(const config::PolicyConfig& config, std::string nodeName);

  // Takes the new policy (checked by the configuration loader already).
  void update(const config::PolicyConfig& config);
  Admission admit(const Arrival& arrival);
  // True when admit() would admit every task for a local agent that claims no caller, naming
  // the sender's own node and holding no place: no rule, limit or rate applies (read without
  // the lock; a reload racing it gives either version's answer).
  bool admitsUnclaimed() const { return nothingApplies_.load(std::memory_order_acquire); }
  // What the rules say, without admission or logging (rosters, rivetctl policy check).
  Decision decide(const std::string& agent, const Caller& caller) const;
  // The believed caller: the peer's node, or a forwarded caller from a trusted forwarder.
  Caller callerOf(const Arrival& arrival) const;

  std::shared_ptr<const RuleSet> rules() const;
  // The agent has places (max_concurrent): a task for it may wait, so never on an I/O thread.
  bool limits(const std::string& agent) const {
    return anySlots_.load(std::memory_order_acquire) && state()->slots.count(agent) > 0;
  }
  uint64_t refusals(Refusal r) const { return refusals_[static_cast<size_t>(r)].load(); }

private:
  struct State {
    std::shared_ptr<const RuleSet> rules;
    std::vector<std::string> forwarders;
    int64_t perMinute = 0, burst = 0;
    std::shared_ptr<CallerRates> rates; // null: no rate limit
    std::map<std::string, std::shared_ptr<AgentSlots>> slots;
  };
  std::shared_ptr<const State> state() const;
  void count(Refusal r) { refusals_[static_cast<size_t>(r)].fetch_add(1); }

  const std::string nodeName_;
  mutable std::mutex mutex_;
  std::shared_ptr<const State> state_;
  // Read on every request without the lock: no agent has places; no policy applies at all
  // (no rate limit, places or rules). Set with state_ by update().
  std::atomic<bool> anySlots_{false};
  std::atomic<bool> nothingApplies_{false};
  std::array<std::atomic<uint64_t>, static_cast<size_t>(Refusal::Count)> refusals_{};
  std::shared_ptr<spdlog::logger> logger_;
};

// RuleSet of a configuration's `policy:` section.
RuleSet rulesOf(const config::PolicyConfig& config);

} // namespace rivet::policy
