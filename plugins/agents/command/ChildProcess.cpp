// posix_spawn with the attributes rivetd needs: rivetd blocks SIGTERM and friends in every
// thread and a child would inherit that mask, so the child gets an empty mask and default actions.
#include "ChildProcess.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <cerrno>
#include <system_error>
#include <utility>

namespace rivet::command {
namespace {

[[noreturn]] void fail(int error, const char* what) {
  throw std::system_error(error, std::generic_category(), what);
}

// Our pipe ends must not be 0, 1 or 2 (possible when rivetd runs with closed standard streams),
// or one dup2 in the child could overwrite the source of the next.
UniqueFd aboveStdio(UniqueFd fd) {
  if (fd.get() > 2)
    return fd;
  int moved = ::fcntl(fd.get(), F_DUPFD_CLOEXEC, 3);
  if (moved < 0)
    fail(errno, "fcntl(F_DUPFD_CLOEXEC)");
  return UniqueFd(moved);
}

struct Pipe {
  UniqueFd read;
  UniqueFd write;
};

Pipe makePipe() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0)
    fail(errno, "pipe2");
  UniqueFd readEnd(fds[0]);
  UniqueFd writeEnd(fds[1]);
  Pipe p;
  p.read = aboveStdio(std::move(readEnd));
  p.write = aboveStdio(std::move(writeEnd));
  return p;
}

void setNonBlocking(const UniqueFd& fd) {
  int flags = ::fcntl(fd.get(), F_GETFL);
  if (flags < 0 || ::fcntl(fd.get(), F_SETFL, flags | O_NONBLOCK) != 0)
    fail(errno, "fcntl(O_NONBLOCK)");
}

class SpawnAttributes {
public:
  SpawnAttributes() {
    posix_spawnattr_init(&attr_);
    sigset_t none;
    sigemptyset(&none);
    sigset_t all;
    sigfillset(&all);
    posix_spawnattr_setsigmask(&attr_, &none);
    posix_spawnattr_setsigdefault(&attr_, &all);
    posix_spawnattr_setpgroup(&attr_, 0); // a new group whose id is the child's pid
    posix_spawnattr_setflags(&attr_, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
                                         POSIX_SPAWN_SETSIGDEF);
  }
  ~SpawnAttributes() { posix_spawnattr_destroy(&attr_); }
  SpawnAttributes(const SpawnAttributes&) = delete;
  SpawnAttributes& operator=(const SpawnAttributes&) = delete;
  const posix_spawnattr_t* get() const { return &attr_; }

private:
  posix_spawnattr_t attr_;
};

class FileActions {
public:
  FileActions() { posix_spawn_file_actions_init(&actions_); }
  ~FileActions() { posix_spawn_file_actions_destroy(&actions_); }
  FileActions(const FileActions&) = delete;
  FileActions& operator=(const FileActions&) = delete;
  void dup2(int from, int to) { check(posix_spawn_file_actions_adddup2(&actions_, from, to)); }
  void closeFrom(int fd) { check(posix_spawn_file_actions_addclosefrom_np(&actions_, fd)); }
  void chdir(const std::string& dir) {
    check(posix_spawn_file_actions_addchdir_np(&actions_, dir.c_str()));
  }
  const posix_spawn_file_actions_t* get() const { return &actions_; }

private:
  static void check(int rc) {
    if (rc != 0)
      fail(rc, "posix_spawn_file_actions");
  }
  posix_spawn_file_actions_t actions_;
};

std::vector<char*> pointers(const std::vector<std::string>& strings) {
  std::vector<char*> out;
  out.reserve(strings.size() + 1);
  for (const auto& s : strings)
    out.push_back(const_cast<char*>(s.c_str()));
  out.push_back(nullptr);
  return out;
}

} // namespace

ChildProcess::ChildProcess(const std::string& program, const std::vector<std::string>& argv,
                           const std::vector<std::string>& env, const std::string& cwd) {
  Pipe in = makePipe();
  Pipe out = makePipe();
  Pipe err = makePipe();

  FileActions actions;
  actions.dup2(in.read.get(), STDIN_FILENO);
  actions.dup2(out.write.get(), STDOUT_FILENO);
  actions.dup2(err.write.get(), STDERR_FILENO);
  actions.closeFrom(3); // nothing of rivetd's (sockets, other children's pipes) leaks in
  if (!cwd.empty())
    actions.chdir(cwd);
  SpawnAttributes attributes;

  std::vector<char*> args = pointers(argv);
  std::vector<char*> vars = pointers(env);
  int rc = ::posix_spawn(&pid_, program.c_str(), actions.get(), attributes.get(), args.data(),
                         vars.data());
  if (rc != 0) {
    pid_ = -1;
    fail(rc, "posix_spawn");
  }
  pipes_.stdinWrite = std::move(in.write);
  pipes_.stdoutRead = std::move(out.read);
  pipes_.stderrRead = std::move(err.read);
  try {
    setNonBlocking(pipes_.stdinWrite);
    setNonBlocking(pipes_.stdoutRead);
    setNonBlocking(pipes_.stderrRead);
  } catch (...) {
    signalGroup(SIGKILL);
    reap();
    throw;
  }
}

ChildProcess::~ChildProcess() {
  if (pid_ > 0 && !reaped_) {
    signalGroup(SIGKILL);
    reap();
  }
}

bool ChildProcess::hasExited() {
  if (reaped_)
    return true;
  siginfo_t info{};
  for (;;) {
    if (::waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOHANG | WNOWAIT) == 0)
      return info.si_pid == pid_;
    if (errno != EINTR)
      return true; // ECHILD: reaped behind our back, so it has certainly ended
  }
}

void ChildProcess::signalGroup(int signal) {
  if (pid_ > 0 && !reaped_)
    ::kill(-pid_, signal);
}

int ChildProcess::reap() {
  if (reaped_)
    return status_;
  int status = 0;
  pid_t r;
  do {
    r = ::waitpid(pid_, &status, 0);
  } while (r < 0 && errno == EINTR);
  reaped_ = true;
  status_ = r == pid_ ? status : -1;
  return status_;
}

} // namespace rivet::command
