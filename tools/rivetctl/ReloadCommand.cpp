// The pid comes from rivetd's single-instance lock (InstanceLock: <mesh.state_dir>/rivetd.lock,
// or rivetd-<node>-<port>.lock in /run/rivet, $XDG_RUNTIME_DIR, $TMPDIR or /tmp). It is signalled
// only when the lock file is a regular file of this user, is locked right now, and the process
// it names is a program called rivetd of this user that holds that very file open.
#include "ReloadCommand.hpp"

#include "app/InstanceLock.hpp"

#include "LocalNode.hpp"

#include <csignal>
#include <cstdlib>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <iostream>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

namespace rivet::ctl {
namespace {

const char* kReloadUsage = R"(usage: rivetctl [--config FILE] reload

Makes the local rivetd of the configuration re-read its TLS material and reopen its log file
(SIGHUP). Its pid is read from its single-instance lock (mesh.state_dir/rivetd.lock, or
rivetd-NODE-PORT.lock in /run/rivet, $XDG_RUNTIME_DIR, $TMPDIR or /tmp), and signalled only
when that lock is held, the process is a rivetd of this user, and it holds that lock file open.

options:
  --help      show this help

exit status: 0 signalled, 1 no running rivetd of this node (or it cannot be proven to be it),
             2 usage error
)";

std::vector<std::string> lockCandidates(const config::Config& c) {
  return app::InstanceLock::candidatePaths(c.mesh.stateDir, c.mesh.nodeName,
                                           c.mesh.agentChannelPort);
}

// The pid of the rivetd holding `path`, or 0 with `why` set.
int provenPid(const std::string& path, std::string& why) {
  int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    why = path + ": " + std::strerror(errno);
    return 0;
  }
  struct stat st {};
  char buf[32] = {};
  bool regular = ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
  bool held = regular && ::flock(fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK;
  ssize_t n = held ? ::pread(fd, buf, sizeof buf - 1, 0) : 0;
  ::close(fd); // releases a lock taken just now: no rivetd held it
  if (!regular || st.st_uid != ::getuid()) {
    why = path + " is not a regular file of this user: not trusted";
    return 0;
  }
  if (!held) {
    why = path + " is not locked: no rivetd runs this node";
    return 0;
  }
  int pid = n > 0 ? std::atoi(buf) : 0;
  if (pid <= 1) {
    why = path + " names no pid";
    return 0;
  }
  std::string proc = "/proc/" + std::to_string(pid);
  char exe[4096] = {};
  ssize_t len = ::readlink((proc + "/exe").c_str(), exe, sizeof exe - 1);
  std::string program = len > 0 ? std::string(exe, static_cast<size_t>(len)) : "";
  if (auto deleted = program.rfind(" (deleted)"); deleted != std::string::npos)
    program.resize(deleted);
  if (program.substr(program.rfind('/') + 1) != "rivetd") {
    why = "pid " + std::to_string(pid) + " (from " + path + ") is not a rivetd of this user";
    return 0;
  }
  if (DIR* fds = ::opendir((proc + "/fd").c_str())) {
    bool holds = false;
    while (dirent* e = ::readdir(fds)) {
      struct stat f {};
      holds =
          holds || (e->d_name[0] != '.' && ::stat((proc + "/fd/" + e->d_name).c_str(), &f) == 0 &&
                    f.st_dev == st.st_dev && f.st_ino == st.st_ino);
    }
    ::closedir(fds);
    if (holds)
      return pid;
  }
  why = "pid " + std::to_string(pid) + " (from " + path + ") does not hold that lock file";
  return 0;
}

} // namespace

int reloadCommand(const std::string& configPath, const std::vector<std::string>& args) {
  for (const auto& a : args) {
    if (a == "--help" || a == "-h") {
      std::cout << kReloadUsage;
      return kExitOk;
    }
    return usageError("reload", "unexpected '" + printable(a) + "'");
  }
  config::LoadResult loaded;
  if (!loadConfig(configPath, loaded))
    return kExitFailed;
  std::string whys;
  for (const auto& path : lockCandidates(loaded.config)) {
    std::string why;
    int pid = provenPid(path, why);
    if (pid > 0) {
      if (::kill(pid, SIGHUP) != 0) {
        std::cerr << "rivetctl reload: cannot signal rivetd (pid " << pid
                  << "): " << std::strerror(errno) << "\n";
        return kExitFailed;
      }
      std::cout << "sent SIGHUP to rivetd (pid " << pid << ", " << path
                << "): it reloads its TLS material and reopens its log file\n";
      return kExitOk;
    }
    whys += (whys.empty() ? "" : "; ") + why;
  }
  std::cerr << "rivetctl reload: no running rivetd of node " << loaded.config.mesh.nodeName
            << " found: " << whys << "\n";
  return kExitFailed;
}

} // namespace rivet::ctl
