// One running command: spawned without a shell in a process group of its own, with an empty
// signal mask and default signal actions, its stdin/stdout/stderr connected to pipes.
#pragma once

#include "UniqueFd.hpp"

#include <sys/types.h>

#include <string>
#include <vector>

namespace rivet::command {

/// The parent's ends of the child's standard streams, non-blocking and close-on-exec.
struct ChildPipes {
  UniqueFd stdinWrite;
  UniqueFd stdoutRead;
  UniqueFd stderrRead;
};

class ChildProcess {
public:
  /// Starts `program` (an absolute path) with `argv` and `env` ("NAME=value") in `cwd` (empty:
  /// ours). Throws std::system_error when the program cannot be started.
  ChildProcess(const std::string& program, const std::vector<std::string>& argv,
               const std::vector<std::string>& env, const std::string& cwd);
  /// Kills the process group and reaps the child if reap() was not called: never a zombie.
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  ChildPipes& pipes() { return pipes_; }
  pid_t pid() const { return pid_; }

  /// True once the child has exited. It is left unreaped (a zombie), which keeps its process
  /// group id from being reused, so signalGroup() stays safe until reap().
  bool hasExited();
  /// Sends `signal` to every process in the child's group; does nothing after reap().
  void signalGroup(int signal);
  /// Waits for the child to end and returns its wait status, or -1 if it was reaped elsewhere
  /// (SIGCHLD ignored by the process).
  int reap();

private:
  pid_t pid_ = -1;
  bool reaped_ = false;
  int status_ = -1;
  ChildPipes pipes_;
};

} // namespace rivet::command
