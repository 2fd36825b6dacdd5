// One node, one daemon: an exclusive lock on a file of this node's own (never in the shared
// storage folder), held for the daemon's life, naming the pid of the one that holds it.
#pragma once

#include <string>

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

private:
  std::string path_;
  int fd_ = -1;
};

} // namespace rivet::app
