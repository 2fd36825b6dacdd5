// Text and JSON renderings of the check groups. Messages were made printable where they hold
// text from files or peers (LocalNode's printable).
#include "CheckReport.hpp"

#include "util/JsonText.hpp"

namespace rivet::ctl {
namespace {

const char* symbol(CheckStatus s) {
  return s == CheckStatus::Ok ? "\u2714" : s == CheckStatus::Warn ? "\u26a0" : "\u2716";
}

const char* word(CheckStatus s) {
  return s == CheckStatus::Ok ? "ok" : s == CheckStatus::Warn ? "warn" : "fail";
}

struct Counts {
  int passed = 0, warnings = 0, failed = 0;
};

Counts count(const std::vector<CheckGroup>& groups) {
  Counts c;
  for (const auto& g : groups)
    for (const auto& l : g.lines)
      ++(l.status == CheckStatus::Ok     ? c.passed
         : l.status == CheckStatus::Warn ? c.warnings
                                         : c.failed);
  return c;
}

std::string plural(int n, const char* one, const char* many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

} // namespace

void printCheckText(const std::vector<CheckGroup>& groups, std::ostream& out) {
  for (const auto& g : groups) {
    out << g.name << "\n" << std::string(g.name.size(), '-') << "\n";
    for (const auto& l : g.lines) {
      out << symbol(l.status) << " " << l.message << "\n";
      if (!l.hint.empty())
        out << "    hint: " << l.hint << "\n";
    }
    out << "\n";
  }
  Counts c = count(groups);
  out << "Status: " << plural(c.passed, "passed", "passed") << ", "
      << plural(c.warnings, "warning", "warnings") << ", " << plural(c.failed, "failed", "failed")
      << "\n";
}

std::string checkJson(const std::vector<CheckGroup>& groups) {
  Counts c = count(groups);
  std::string out = std::string("{\"status\":\"") +
                    (c.failed     ? "fail"
                     : c.warnings ? "warn"
                                  : "ok") +
                    "\",\"passed\":" + std::to_string(c.passed) +
                    ",\"warnings\":" + std::to_string(c.warnings) +
                    ",\"failed\":" + std::to_string(c.failed) + ",\"groups\":[";
  for (size_t i = 0; i < groups.size(); ++i) {
    out += (i ? ",{\"name\":" : "{\"name\":") + util::jsonString(groups[i].name) + ",\"checks\":[";
    const auto& lines = groups[i].lines;
    for (size_t j = 0; j < lines.size(); ++j) {
      out += (j ? ",{\"status\":\"" : "{\"status\":\"") + std::string(word(lines[j].status)) +
             "\",\"message\":" + util::jsonString(lines[j].message) + ",\"hint\":" +
             (lines[j].hint.empty() ? std::string("null") : util::jsonString(lines[j].hint)) + "}";
    }
    out += "]}";
  }
  return out + "]}";
}

int checkExitCode(const std::vector<CheckGroup>& groups) {
  return count(groups).failed ? 1 : 0;
}

} // namespace rivet::ctl
