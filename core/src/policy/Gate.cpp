// Admission in the order that costs least first: rate limit, rules, places.
#include "policy/Gate.hpp"

#include "log/Log.hpp"

#include <chrono>

namespace rivet::policy {

RuleSet rulesOf(const config::PolicyConfig& c) {
  RuleSet s;
  s.mode = c.mode;
  s.forwarders = c.forwarders;
  for (const auto& e : c.agents) {
    AgentRules& r = s.agents[e.agent];
    r.allow.insert(r.allow.end(), e.allow.begin(), e.allow.end());
    r.deny.insert(r.deny.end(), e.deny.begin(), e.deny.end());
    if (!e.mode.empty())
      r.mode = e.mode;
  }
  return s;
}

Gate::Gate(const config::PolicyConfig& config, std::string nodeName)
    : nodeName_(std::move(nodeName)), logger_(log::get("Policy")) {
  update(config);
}

void Gate::update(const config::PolicyConfig& c) {
  auto old = state();
  auto next = std::make_shared<State>();
  next->rules = std::make_shared<const RuleSet>(rulesOf(c));
  next->forwarders = c.forwarders;
  next->perMinute = c.ratePerMinute;
  next->burst = c.rateBurst;
  if (c.ratePerMinute > 0)
    next->rates =
        old && old->rates && old->perMinute == c.ratePerMinute && old->burst == c.rateBurst
            ? old->rates
            : std::make_shared<CallerRates>(c.ratePerMinute / 60.0, c.rateBurst);
  for (const auto& e : c.agents) {
    if (e.maxConcurrent <= 0)
      continue;
    std::shared_ptr<AgentSlots> keep;
    if (old)
      if (auto it = old->slots.find(e.agent); it != old->slots.end() &&
                                              it->second->maxConcurrent() == e.maxConcurrent &&
                                              it->second->queue() == e.queue)
        keep = it->second; // the same limits: the tasks holding places still count
    next->slots[e.agent] = keep ? keep : std::make_shared<AgentSlots>(e.maxConcurrent, e.queue);
  }
  std::lock_guard<std::mutex> lock(mutex_);
  anySlots_.store(!next->slots.empty(), std::memory_order_release);
  nothingApplies_.store(!next->rates && next->slots.empty() && next->rules->agents.empty(),
                        std::memory_order_release);
  state_ = std::move(next);
}

std::shared_ptr<const Gate::State> Gate::state() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return state_;
}

std::shared_ptr<const RuleSet> Gate::rules() const {
  return state()->rules;
}

Decision Gate::decide(const std::string& agent, const Caller& caller) const {
  return state()->rules->decide(agent, caller);
}

Caller Gate::callerOf(const Arrival& a) const {
  Caller c{a.peerNode, a.fromAgent};
  const bool claimsNode = a.claimed.rfind("cn:", 0) == 0;
  const std::string_view named =
      claimsNode ? std::string_view(a.claimed).substr(3) : std::string_view();
  if (a.claimed.empty() || (claimsNode && sameNode(named, a.peerNode)))
    return c;
  auto s = state();
  bool trusted = false;
  for (const auto& f : s->forwarders)
    trusted = trusted || matches(f, Caller{a.peerNode, ""});
  // An A2A bearer client that a trusted node forwards for (docs/a2a.md): "token:<name>".
  if (trusted && a.claimed.rfind("token:", 0) == 0) {
    Caller forwarded{a.claimed, a.fromAgent};
    forwarded.also.push_back(a.peerNode);
    return forwarded;
  }
  // A claim naming this node would make it act as itself elsewhere: never believed.
  if (trusted && claimsNode && !named.empty() && !sameNode(named, nodeName_)) {
    Caller forwarded{std::string(named), a.fromAgent};
    forwarded.also.push_back(a.peerNode); // a deny of the forwarder still holds
    return forwarded;
  }
  Caller unknown{"", a.fromAgent}; // "unknown", or a claim not believed from that peer
  unknown.also.push_back(a.peerNode);
  if (!named.empty())
    unknown.also.emplace_back(named);
  return unknown;
}

Admission Gate::admit(const Arrival& a) {
  Admission out;
  if (a.claimed.empty() && !a.agent.empty() && admitsUnclaimed()) { // no work, no lock
    out.caller = Caller{a.peerNode, a.fromAgent};
    return out;
  }
  auto s = state();
  out.caller = callerOf(a);
  // Only a task forwarded on names its caller; a local agent's own delegations are new tasks.
  if (a.agent.empty() && !a.peerCn.empty() && out.caller.node != nodeName_)
    out.callerField = out.caller.node.empty()                   ? "unknown"
                      : out.caller.node.rfind("token:", 0) == 0 ? out.caller.node
                                                                : "cn:" + out.caller.node;
  auto who = [&] {
    constexpr size_t kShown = 64;
    auto clip = [](const std::string& t) {
      return t.size() > kShown ? t.substr(0, kShown) + "..." : t;
    };
    return "peer.cn=" + (a.peerCn.empty() ? nodeName_ + " (this node)" : a.peerCn) +
           " fromAgent=" + (a.fromAgent.empty() ? "(none)" : clip(a.fromAgent)) +
           (a.claimed.empty() ? "" : " caller=" + a.claimed);
  };
  auto target = [&] { return a.agent.empty() ? "a forwarded task" : "a task for " + a.agent; };
  if (s->rates && !a.peerCn.empty()) {
    // A caller not believed counts against the node that sent it: no second bucket by a claim.
    const std::string& key = out.caller.node.empty() ? a.peerNode : out.caller.node;
    if (int wait = s->rates->take(key, std::chrono::steady_clock::now())) {
      count(Refusal::RateLimit);
      out.status = 429;
      out.retryAfterSeconds = wait;
      out.error = "Rate limit: " + out.caller.text() + " may send " + std::to_string(s->perMinute) +
                  " tasks a minute to node " + nodeName_ + " (policy.rate_limit); retry after " +
                  std::to_string(wait) + " s";
      logger_->info("Refused {}: {} is past policy.rate_limit ({} a minute, burst {}) {}", target(),
                    out.caller.text(), s->perMinute, s->burst, who());
      return out;
    }
  }
  if (a.agent.empty())
    return out; // the node that runs it decides
  out.decision = s->rules->decide(a.agent, out.caller);
  if (out.decision.wouldDeny) {
    const std::string why = out.decision.explain(a.agent);
    if (out.decision.audit) {
      count(Refusal::AuditDeny);
      logger_->warn("Policy would deny {} from {} and lets it run (audit mode): {} {}", target(),
                    out.caller.text(), why, who());
    } else {
      count(out.decision.kind == "deny" ? Refusal::Deny : Refusal::NotAllowed);
      logger_->warn("Policy refused {} from {}: {} {}", target(), out.caller.text(), why, who());
      out.status = 403;
      out.error = "Agent \"" + a.agent + "\" on " + nodeName_ + " refused " + out.caller.text() +
                  (out.decision.kind == "deny" ? ": a deny rule of its policy matches this caller"
                                               : ": no allow rule of its policy matches this "
                                                 "caller");
      return out;
    }
  }
  if (auto it = s->slots.find(a.agent); it != s->slots.end()) {
    out.slot = it->second->reserve();
    if (!out.slot) {
      count(Refusal::QueueFull);
      out.status = 429;
      out.retryAfterSeconds = 1;
      out.error = "Agent \"" + a.agent + "\" on " + nodeName_ +
                  " is busy: " + std::to_string(it->second->maxConcurrent()) +
                  " tasks running and " + std::to_string(it->second->queue()) +
                  " waiting (policy.agents." + a.agent + ".max_concurrent and queue)";
      logger_->info("Refused {} from {}: {} running, {} waiting, both full {}", target(),
                    out.caller.text(), it->second->maxConcurrent(), it->second->queue(), who());
    }
  }
  return out;
}

} // namespace rivet::policy
