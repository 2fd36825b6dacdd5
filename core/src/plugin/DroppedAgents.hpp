// The agents started from plugin files dropped into plugins.agents_dir while rivetd ran, kept in
// <mesh.state_dir>/dropped-agents.json so that the next start-up starts them again as long as
// their files are still there (docs/agents.md "Dropping in a new agent plugin"). The file is
// local but still read as untrusted: regular file only, at most 64 KiB, 256 entries; anything
// else is set aside with a WARN naming it and the record starts empty.
#pragma once

#include <string>
#include <vector>

namespace rivet::plugin {

class DroppedAgents {
public:
  struct Entry {
    std::string file;   // absolute path of the dropped .so
    std::string plugin; // its descriptor name, which is also the agent's id
  };
  static constexpr size_t kMaxEntries = 256;

  // No state folder: nothing is remembered (enabled() is false).
  explicit DroppedAgents(const std::string& stateDir);

  bool enabled() const { return !path_.empty(); }
  const std::string& path() const { return path_; }
  // The entries read at start-up. A WARN for a file that cannot be used.
  std::vector<Entry> load();
  // Each replaces the file at once; a write failure is a WARN (the agent runs on regardless).
  void remember(const Entry& entry);
  bool forget(const std::string& file); // true when it was remembered

private:
  void save();

  std::string path_;
  std::vector<Entry> entries_;
};

} // namespace rivet::plugin
