// Pattern syntax and matching.
#include "policy/CallerPattern.hpp"

#include <algorithm>
#include <cctype>

namespace rivet::policy {
namespace {

constexpr size_t kMaxPatternBytes = 256;

bool partChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-' ||
         c == '*';
}

char fold(char c, bool foldCase) {
  return foldCase && c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c;
}

} // namespace

std::string Caller::text() const {
  if (node.empty())
    return "an unknown caller";
  constexpr size_t kShown = 64; // fromAgent is any string a sender likes: logs and bodies show
  std::string shown = agent.size() > kShown ? agent.substr(0, kShown) + "..." : agent;
  return shown.empty() ? node : shown + "@" + node;
}

std::string patternProblem(std::string_view p) {
  if (p.empty())
    return "an empty pattern";
  if (p.size() > kMaxPatternBytes)
    return "longer than " + std::to_string(kMaxPatternBytes) + " characters";
  if (p.substr(0, 6) == "token:") { // an A2A client with a bearer token (docs/a2a.md)
    std::string_view name = p.substr(6);
    if (name.empty() || !std::all_of(name.begin(), name.end(), partChar))
      return "a token pattern is token:<name>, the name of letters, digits, '_', '.', '-' and "
             "'*'";
    return "";
  }
  size_t at = p.find('@');
  if (at != std::string_view::npos && p.find('@', at + 1) != std::string_view::npos)
    return "more than one '@'";
  if (at == 0 || at + 1 == p.size())
    return "an empty part beside '@'";
  for (char c : p)
    if (c != '@' && !partChar(c))
      return "the character '" + std::string(1, c) +
             "': use node, agent@node, letters, digits, '_', '.', '-' and '*'";
  return "";
}

bool sameNode(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return fold(x, true) == fold(y, true);
         });
}

bool globMatch(std::string_view p, std::string_view t, bool foldCase) {
  // Iterative with one backtrack point: linear in practice, O(p·t) at worst (both bounded).
  size_t pi = 0, ti = 0, star = std::string_view::npos, mark = 0;
  while (ti < t.size()) {
    if (pi < p.size() && p[pi] == '*') {
      star = pi++;
      mark = ti;
    } else if (pi < p.size() && fold(p[pi], foldCase) == fold(t[ti], foldCase)) {
      ++pi;
      ++ti;
    } else if (star != std::string_view::npos) {
      pi = star + 1;
      ti = ++mark;
    } else {
      return false;
    }
  }
  while (pi < p.size() && p[pi] == '*')
    ++pi;
  return pi == p.size();
}

bool matches(std::string_view pattern, const Caller& caller) {
  if (pattern == "*" || pattern == "*@*")
    return true;
  if (caller.node.empty()) // unknown: nothing but the whole wildcard names it
    return false;
  // A2A bearer clients ("token:<name>") are named by token patterns only (or `*`), and token
  // patterns name nothing else: a node glob such as "t*" never admits a token.
  const bool tokenCaller = caller.node.rfind("token:", 0) == 0;
  if (tokenCaller != (pattern.substr(0, 6) == "token:"))
    return false;
  size_t at = pattern.find('@');
  if (at == std::string_view::npos)
    return globMatch(pattern, caller.node, true);
  std::string_view agentPart = pattern.substr(0, at), nodePart = pattern.substr(at + 1);
  if (!globMatch(nodePart, caller.node, true))
    return false;
  if (agentPart == "*")
    return true;
  return !caller.agent.empty() && globMatch(agentPart, caller.agent, false);
}

} // namespace rivet::policy
