// Deciding, summarising and reading back the rules.
#include "policy/RuleSet.hpp"

#include "util/JsonText.hpp"

#include <cstdint>
#include <cstdio>

namespace rivet::policy {
namespace {

const AgentRules* entryOf(const RuleSet& s, const std::string& id) {
  auto it = s.agents.find(id);
  return it == s.agents.end() ? nullptr : &it->second;
}

void appendList(std::string& out, const std::vector<std::string>& items) {
  out += '[';
  for (size_t i = 0; i < items.size(); ++i) {
    if (i)
      out += ',';
    util::appendJsonString(out, items[i]);
  }
  out += ']';
}

std::optional<std::vector<std::string>> readList(const rapidjson::Value& entry, const char* key) {
  std::vector<std::string> out;
  auto it = entry.FindMember(key);
  if (it == entry.MemberEnd())
    return out;
  if (!it->value.IsArray() || it->value.Size() > kMaxPatternsPerList)
    return std::nullopt;
  for (const auto& v : it->value.GetArray()) {
    if (!v.IsString())
      return std::nullopt;
    std::string p(v.GetString(), v.GetStringLength());
    if (!patternProblem(p).empty())
      return std::nullopt;
    out.push_back(std::move(p));
  }
  return out;
}

bool validMode(const std::string& m) {
  return m == "enforce" || m == "audit";
}

} // namespace

std::string Decision::explain(const std::string& agent) const {
  std::string where = "policy.agents." + (entry.empty() ? agent : entry);
  std::string what;
  if (kind == "no-rules" && denyRules)
    what = "allowed: no deny rule of agent " + agent + " matches, and it has no allow rule";
  else if (kind == "no-rules")
    what = "allowed: no rule names agent " + agent;
  else if (kind == "allow")
    what = "allowed by allow \"" + pattern + "\" in " + where;
  else if (kind == "deny")
    what = "denied by deny \"" + pattern + "\" in " + where;
  else
    what = "denied: no allow rule of agent " + agent + " matches";
  if (audit)
    what = "audit-" + what + " (audit mode: it runs)";
  return what;
}

bool RuleSet::empty() const {
  if (!forwarders.empty())
    return false;
  for (const auto& [id, rules] : agents)
    if (!rules.allow.empty() || !rules.deny.empty())
      return false;
  return true;
}

Decision RuleSet::decide(const std::string& agent, const Caller& caller) const {
  const AgentRules* own = entryOf(*this, agent);
  const AgentRules* all = agent == "*" ? nullptr : entryOf(*this, "*");
  Decision d;
  auto named = [&](const std::string& p, bool deny) {
    if (matches(p, caller))
      return true;
    if (deny)
      for (const auto& n : caller.also)
        if (matches(p, Caller{n, caller.agent}))
          return true;
    return false;
  };
  auto scan = [&](const AgentRules* r, const std::string& name, bool deny) {
    if (!r)
      return false;
    for (const auto& p : deny ? r->deny : r->allow)
      if (named(p, deny)) {
        d.kind = deny ? "deny" : "allow";
        d.pattern = p;
        d.entry = name;
        return true;
      }
    return false;
  };
  bool hasAllow = (own && !own->allow.empty()) || (all && !all->allow.empty());
  d.denyRules = (own && !own->deny.empty()) || (all && !all->deny.empty());
  if (scan(own, agent, true) || scan(all, "*", true)) {
    d.wouldDeny = true;
  } else if (hasAllow && !scan(own, agent, false) && !scan(all, "*", false)) {
    d.kind = "not-allowed";
    d.entry = own && !own->allow.empty() ? agent : "*";
    d.wouldDeny = true;
  }
  if (d.wouldDeny) {
    std::string m = own && !own->mode.empty()   ? own->mode
                    : all && !all->mode.empty() ? all->mode
                                                : mode;
    d.audit = m == "audit";
    d.allowed = d.audit;
  }
  return d;
}

std::string RuleSet::summaryJson() const {
  std::string out = "{\"mode\":";
  util::appendJsonString(out, mode);
  if (!forwarders.empty()) {
    out += ",\"forwarders\":";
    appendList(out, forwarders);
  }
  out += ",\"agents\":{";
  bool first = true;
  for (const auto& [id, r] : agents) {
    if (r.allow.empty() && r.deny.empty() && r.mode.empty())
      continue;
    out += first ? "" : ",";
    first = false;
    util::appendJsonString(out, id);
    out += ":{\"allow\":";
    appendList(out, r.allow);
    out += ",\"deny\":";
    appendList(out, r.deny);
    if (!r.mode.empty()) {
      out += ",\"mode\":";
      util::appendJsonString(out, r.mode);
    }
    out += '}';
  }
  return out + "}}";
}

std::string RuleSet::revision() const {
  uint64_t h = 1469598103934665603ULL; // FNV-1a: a change detector, not a security measure
  for (unsigned char c : summaryJson()) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(h));
  return hex;
}

std::optional<RuleSet> RuleSet::fromSummary(const rapidjson::Value& v) {
  if (!v.IsObject())
    return std::nullopt;
  RuleSet s;
  auto mode = v.FindMember("mode");
  if (mode != v.MemberEnd()) {
    if (!mode->value.IsString())
      return std::nullopt;
    s.mode.assign(mode->value.GetString(), mode->value.GetStringLength());
    if (!validMode(s.mode))
      return std::nullopt;
  }
  auto forwarders = readList(v, "forwarders");
  if (!forwarders)
    return std::nullopt;
  s.forwarders = std::move(*forwarders);
  auto agents = v.FindMember("agents");
  if (agents == v.MemberEnd())
    return s;
  if (!agents->value.IsObject() || agents->value.MemberCount() > kMaxPolicyEntries)
    return std::nullopt;
  for (auto it = agents->value.MemberBegin(); it != agents->value.MemberEnd(); ++it) {
    if (!it->value.IsObject())
      return std::nullopt;
    AgentRules r;
    auto allow = readList(it->value, "allow"), deny = readList(it->value, "deny");
    if (!allow || !deny)
      return std::nullopt;
    r.allow = std::move(*allow);
    r.deny = std::move(*deny);
    auto m = it->value.FindMember("mode");
    if (m != it->value.MemberEnd()) {
      if (!m->value.IsString())
        return std::nullopt;
      r.mode.assign(m->value.GetString(), m->value.GetStringLength());
      if (!validMode(r.mode))
        return std::nullopt;
    }
    std::string id(it->name.GetString(), it->name.GetStringLength());
    if (!s.agents.emplace(std::move(id), std::move(r)).second)
      return std::nullopt; // a repeated name: not a summary this code wrote
  }
  return s;
}

} // namespace rivet::policy
