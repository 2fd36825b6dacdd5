// One node, one daemon: an exclusive lock on a file of this node's own (never in the shared
// storage folder), held for the daemon's life, naming the pid of the one that holds it.
#pragma once

#include <string>
#include <vector>

namespace rivet::app {

class InstanceLock {
public:
  // <stateDir>/rivetd.lock, or, without a state folder, rivetd-<node>-<port>.lock in
  // /run/rivet (root), $XDG_RUNTIME_DIR or ${TMPDIR:-/tmp}. Throws std::runtime_error naming
  // the other process and the lock file when another rivetd holds it.
  InstanceLock(const std::string& stateDir, const std::string& nodeName, int port);
  ~InstanceLock();
  InstanceLock(const InstanceLock&) = delete;
  InstanceLock& operator=(const InstanceLock&) = delete;

  const std::string& path() const { return path_; }

  // Every place the lock of this node may be, in the order rivetd considers them (it takes the
  // first whose folder it may write; /run/rivet only as root): for `rivetctl reload`.
  static std::vector<std::string> candidatePaths(const std::string& stateDir,
                                                 const std::string& nodeName, int port);

private:
  std::string path_;
  int fd_ = -1;
};

} // namespace rivet::app
