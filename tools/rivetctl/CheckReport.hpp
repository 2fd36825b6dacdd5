// What `rivetctl check` found: groups of lines, each passed (✔), a warning (⚠) or a failure
// (✖) with a hint (what is wrong, where, what to do), printed as text or one JSON document.
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace rivet::ctl {

enum class CheckStatus { Ok, Warn, Fail };

struct CheckLine {
  CheckStatus status = CheckStatus::Ok;
  std::string message;
  std::string hint; // empty for a passed check
};

struct CheckGroup {
  std::string name;
  std::vector<CheckLine> lines;

  explicit CheckGroup(std::string n) : name(std::move(n)) {}
  void ok(const std::string& message) { lines.push_back({CheckStatus::Ok, message, ""}); }
  void warn(const std::string& message, const std::string& hint) {
    lines.push_back({CheckStatus::Warn, message, hint});
  }
  void fail(const std::string& message, const std::string& hint) {
    lines.push_back({CheckStatus::Fail, message, hint});
  }
};

// "configuration\n-------------\n✔ ...\n✖ ...\n    hint: ...\n\n" for each group, then
// "Status: N passed, N warnings, N failed".
void printCheckText(const std::vector<CheckGroup>& groups, std::ostream& out);
// {"status":"ok|warn|fail","passed":N,"warnings":N,"failed":N,"groups":[{"name":...,
// "checks":[{"status":"ok|warn|fail","message":...,"hint":... or null}]}]}
std::string checkJson(const std::vector<CheckGroup>& groups);
// 1 when a line failed, else 0 (warnings allowed).
int checkExitCode(const std::vector<CheckGroup>& groups);

} // namespace rivet::ctl
