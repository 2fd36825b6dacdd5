// flock(2) on a regular file opened without following links; the holder's pid is written in it.
#include "app/InstanceLock.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <stdexcept>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

namespace rivet::app {
namespace {

constexpr const char* kRootFolder = "/run/rivet";

std::string folderOf(const std::string& path) {
  return path.substr(0, path.rfind('/'));
}

} // namespace

std::vector<std::string> InstanceLock::candidatePaths(const std::string& stateDir,
                                                      const std::string& nodeName, int port) {
  if (!stateDir.empty())
    return {stateDir + "/rivetd.lock"};
  const std::string name = "/rivetd-" + nodeName + "-" + std::to_string(port) + ".lock";
  std::vector<std::string> out = {kRootFolder + name};
  for (const char* var : {"XDG_RUNTIME_DIR", "TMPDIR"})
    if (const char* v = std::getenv(var); v && *v)
      out.push_back(v + name);
  out.push_back("/tmp" + name);
  return out;
}

InstanceLock::InstanceLock(const std::string& stateDir, const std::string& nodeName, int port) {
  if (!stateDir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(stateDir, ec);
    path_ = stateDir + "/rivetd.lock";
  } else {
    std::vector<std::string> places = candidatePaths(stateDir, nodeName, port);
    path_ = places.back(); // /tmp
    for (const auto& place : places) {
      std::string folder = folderOf(place);
      if (folder == kRootFolder) {
        if (::geteuid() != 0)
          continue;
        ::mkdir(kRootFolder, 0755);
      }
      if (::access(folder.c_str(), W_OK) == 0) {
        path_ = place;
        break;
      }
    }
  }
  fd_ = ::open(path_.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK, 0644);
  struct stat st {};
  if (fd_ < 0 || ::fstat(fd_, &st) != 0 || !S_ISREG(st.st_mode)) {
    std::string why = fd_ < 0 ? std::strerror(errno) : "it is not a regular file";
    if (fd_ >= 0)
      ::close(fd_);
    fd_ = -1;
    throw std::runtime_error("cannot use the single-instance lock " + path_ + ": " + why +
                             "; remove it, or set mesh.state_dir to a folder of this node");
  }
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    char buf[32] = {};
    ssize_t n = ::pread(fd_, buf, sizeof buf - 1, 0);
    std::string pid = n > 0 ? std::string(buf, static_cast<size_t>(n)) : "";
    while (!pid.empty() && (pid.back() == '\n' || pid.back() == ' '))
      pid.pop_back();
    ::close(fd_);
    fd_ = -1;
    throw std::runtime_error(
        "another rivetd" + (pid.empty() ? "" : " (pid " + pid + ")") + " holds " + path_ +
        ": it runs this node (" + nodeName + ", port " + std::to_string(port) +
        ") or shares its mesh.state_dir; stop it first, or give each node its own "
        "mesh.state_dir and mesh.agent_channel_port");
  }
  std::string me = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd_, 0) == 0 && ::pwrite(fd_, me.data(), me.size(), 0) < 0) {
    // the pid is informative only
  }
}

InstanceLock::~InstanceLock() {
  if (fd_ >= 0)
    ::close(fd_); // releases the lock; the file stays, harmlessly, for the next start
}

} // namespace rivet::app
