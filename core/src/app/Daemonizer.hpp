// `--daemon` the way an operator expects it: the parent stays in the foreground until the
// child is ready, so start-up errors and the exit code still reach the terminal.
#pragma once

#include <string>

namespace rivet::app {

class Daemonizer {
public:
  // Forks. Returns in the child; the parent waits for ready()/the child's exit and exits itself.
  void detach();
  // In the child: writes the pid file, tells the parent to exit 0, detaches from the terminal.
  void ready(const std::string& pidFile);

private:
  int readyFd_ = -1;
};

// Writes the pid to `path` (no-op for an empty path); throws std::runtime_error naming the file.
void writePidFile(const std::string& path);
// Removes `path` if it holds this process's pid (a second instance's refusal never deletes the
// pid file of the one that runs).
void removePidFile(const std::string& path);

} // namespace rivet::app
