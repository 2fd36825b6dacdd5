// fork/setsid with a readiness pipe between child and parent.
#include "app/Daemonizer.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <stdexcept>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

namespace rivet::app {

void Daemonizer::detach() {
  int fds[2];
  if (pipe(fds) != 0)
    throw std::runtime_error(std::string("--daemon: pipe failed: ") + std::strerror(errno));
  pid_t pid = fork();
  if (pid < 0)
    throw std::runtime_error(std::string("--daemon: fork failed: ") + std::strerror(errno));
  if (pid > 0) {
    close(fds[1]);
    char byte = 0;
    ssize_t n;
    do {
      n = read(fds[0], &byte, 1);
    } while (n < 0 && errno == EINTR);
    if (n == 1)
      _exit(0);
    int status = 0;
    waitpid(pid, &status, 0);
    _exit(WIFEXITED(status) ? WEXITSTATUS(status) : 70);
  }
  close(fds[0]);
  readyFd_ = fds[1];
  setsid();
  int null = open("/dev/null", O_RDWR);
  if (null >= 0) {
    dup2(null, STDIN_FILENO);
    dup2(null, STDOUT_FILENO);
    if (null > STDERR_FILENO)
      close(null);
  }
}

void Daemonizer::ready(const std::string& pidFile) {
  if (readyFd_ < 0)
    return;
  writePidFile(pidFile);
  if (chdir("/") != 0) {
    // Not fatal: every path was made absolute before start-up.
  }
  int null = open("/dev/null", O_RDWR);
  if (null >= 0) {
    dup2(null, STDERR_FILENO);
    close(null);
  }
  char byte = 1;
  ssize_t n = write(readyFd_, &byte, 1);
  (void)n;
  close(readyFd_);
  readyFd_ = -1;
}

void writePidFile(const std::string& path) {
  if (path.empty())
    return;
  std::ofstream f(path, std::ios::trunc);
  if (!f || !(f << getpid() << "\n"))
    throw std::runtime_error("cannot write pid file " + path +
                             ": check the folder exists and is writable");
}

void removePidFile(const std::string& path) {
  if (path.empty())
    return;
  std::ifstream f(path);
  long pid = 0;
  if (f >> pid && pid == static_cast<long>(getpid())) // never another instance's file
    std::remove(path.c_str());
}

} // namespace rivet::app
