// A copy of rivetd's environment taken once, so that task threads never read `environ` while
// something else might change it.
#include "ChildEnvironment.hpp"

#include <unistd.h>

extern char** environ;

namespace rivet::command {

ChildEnvironment ChildEnvironment::ofThisProcess() {
  ChildEnvironment env;
  for (char** e = environ; e && *e; ++e) {
    std::string_view entry(*e);
    size_t eq = entry.find('=');
    if (eq == std::string_view::npos || eq == 0)
      continue;
    env.set(entry.substr(0, eq), entry.substr(eq + 1));
  }
  return env;
}

void ChildEnvironment::set(std::string_view name, std::string_view value) {
  for (auto& var : vars_) {
    if (var.first == name) {
      var.second = std::string(value);
      return;
    }
  }
  vars_.emplace_back(std::string(name), std::string(value));
}

std::vector<std::string> ChildEnvironment::entries() const {
  std::vector<std::string> out;
  out.reserve(vars_.size());
  for (const auto& [name, value] : vars_)
    out.push_back(name + "=" + value);
  return out;
}

} // namespace rivet::command
