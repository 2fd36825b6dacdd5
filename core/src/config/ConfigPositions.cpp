// Key positions of a loaded configuration and the one-line error format shared with the
// loader ("<file>:<line>:<col>: <key>: <problem>. <what to do>.").
#include "config/ConfigPositions.hpp"

namespace rivet::config {

ConfigPositions::ConfigPositions(std::string sourcePath, std::map<std::string, Position> keys)
    : sourcePath_(std::move(sourcePath)), keys_(std::move(keys)) {}

std::string ConfigPositions::locate(const std::string& keyPath) const {
  std::string path = keyPath;
  while (!path.empty()) {
    auto it = keys_.find(path);
    if (it != keys_.end())
      return sourcePath_ + ":" + std::to_string(it->second.line) + ":" +
             std::to_string(it->second.column);
    // agents.a.b[2].c -> agents.a.b[2] -> agents.a.b -> agents.a -> agents
    size_t cut = path.find_last_of(".[");
    path = cut == std::string::npos ? "" : path.substr(0, cut);
  }
  return sourcePath_;
}

std::string ConfigPositions::error(const std::string& keyPath, const std::string& problem,
                                   const std::string& hint) const {
  return formatLine(locate(keyPath), keyPath, problem, hint);
}

std::string ConfigPositions::formatLine(const std::string& where, const std::string& keyPath,
                                        const std::string& problem, const std::string& hint) {
  std::string text = where + ": " + (keyPath.empty() ? "" : keyPath + ": ") + problem;
  if (!hint.empty())
    text += (text.back() == '.' ? " " : ". ") + hint;
  if (text.back() != '.')
    text += '.';
  return text;
}

} // namespace rivet::config
