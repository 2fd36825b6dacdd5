// The document size cap and the bounded node walk behind it: yaml-cpp keeps an alias as a
// shared node, and every later reader (key checks, agent settings as JSON) expands it again.
#include "config/YamlLimits.hpp"

#include "config/ConfigLoader.hpp"

#include <vector>

namespace rivet::config {

void checkDocumentSize(size_t size, const std::string& sourcePath) {
  if (size <= kMaxConfigBytes)
    return;
  throw ConfigError(sourcePath + ": the configuration is larger than 1 MiB (more than " +
                    std::to_string(kMaxConfigBytes) +
                    " bytes); rivetd reads no more. Check that --config names your rivet.yaml, "
                    "and keep large data in files the plugins read.");
}

void checkNodeCount(const YAML::Node& root, const std::string& sourcePath) {
  // Depth-first with an explicit stack: a visit per node as a reader would meet it, aliases
  // included, and no recursion however deep the document nests.
  std::vector<YAML::Node> pending{root};
  size_t visited = 0;
  while (!pending.empty()) {
    YAML::Node node = pending.back();
    pending.pop_back();
    if (++visited > kMaxYamlNodes) {
      throw ConfigError(sourcePath + ": too many YAML nodes after alias expansion (more than " +
                        std::to_string(kMaxYamlNodes) +
                        "); the configuration must not use aliases this way. Write the values "
                        "out, or nest fewer aliases (*name) inside anchored (&name) values.");
    }
    if (node.IsSequence()) {
      for (const auto& item : node)
        pending.push_back(item);
    } else if (node.IsMap()) {
      for (const auto& entry : node) {
        pending.push_back(entry.first);
        pending.push_back(entry.second);
      }
    }
  }
}

} // namespace rivet::config
