// Depth, cycle and roster rules (docs/agents.md, "Chain rules").
#include "delegation/ChainRules.hpp"

#include "delegation/DelegationEngine.hpp"
#include "util/JsonText.hpp"

#include <algorithm>

namespace rivet::delegation {

bool onPath(const std::vector<std::string>& path, const std::string& hop) {
  return std::find(path.begin(), path.end(), hop) != path.end();
}

std::string depthRefusal(int maxDepth, const std::string& from, const std::string& to,
                         int64_t depth) {
  return "Delegation chain depth limit reached (" + std::to_string(maxDepth) + "). Chain: " + from +
         " → " + to + " at depth " + std::to_string(depth) +
         ". Increase mesh.max_chain_depth in config if deeper chains are needed.";
}

std::string cycleRefusal(const std::vector<std::string>& path, const std::string& hop) {
  std::string chain;
  for (const auto& h : path)
    chain += h + " → ";
  return "Delegation cycle refused: " + hop + " is already on this task's path (" + chain + hop +
         ")";
}

namespace {

void appendEntry(std::string& out, const std::string& id, const std::string& node,
                 const std::string& provider, const std::string& model, bool local,
                 const std::string& description = "") {
  out += out.back() == '[' ? "{\"id\":" : ",{\"id\":";
  util::appendJsonString(out, id);
  out += ",\"node\":";
  util::appendJsonString(out, node);
  out += ",\"provider\":";
  util::appendJsonString(out, provider);
  out += ",\"model\":";
  util::appendJsonString(out, model);
  if (!description.empty()) { // ABI 1.5: what the agent said it is for
    out += ",\"description\":";
    util::appendJsonString(out, description);
  }
  out += local ? ",\"local\":true}" : ",\"local\":false}";
}

} // namespace

std::string buildRoster(const EngineSettings& settings, const plugin::AgentSet& agents,
                        MeshDirectory* directory, const CircuitBreaker& breaker,
                        const std::string& caller, const plugin::TaskContext* task,
                        const RefusesCaller& refuses) {
  const int64_t next = (task ? task->depth : 0) + 1;
  std::vector<std::string> path = task ? task->path : std::vector<std::string>{};
  path.push_back(caller + "@" + settings.nodeName);
  const bool can = next <= settings.maxChainDepth;

  std::string out = "{\"chainDepth\":" + std::to_string(next - 1) +
                    ",\"maxChainDepth\":" + std::to_string(settings.maxChainDepth) +
                    ",\"canDelegate\":" + (can ? "true" : "false") + ",\"refusal\":";
  util::appendJsonString(out, can ? "" : depthRefusal(settings.maxChainDepth, caller, "…", next));
  out += ",\"agents\":[";
  if (can) {
    for (const auto& a : agents.list())
      if (a->id() != caller && !onPath(path, a->id() + "@" + settings.nodeName) &&
          !refuses(a->id(), nullptr))
        appendEntry(out, a->id(), settings.nodeName, a->provider(), a->model(), true,
                    a->description());
    if (directory)
      for (const auto& a : directory->reachableAgents()) {
        // A local agent of the same id is the one a delegation reaches; the caller's own id
        // would reach the caller.
        if (a.id == caller || agents.find(a.id) || onPath(path, a.id + "@" + a.node) ||
            breaker.isOpen(a.node) || refuses(a.id, &a))
          continue;
        appendEntry(out, a.id, a.node, a.provider, a.model, false);
      }
  }
  return out + "]}";
}

} // namespace rivet::delegation
