// fcntl(F_SETLKW) rather than flock: it is the lock NFSv4 honours. The lock file is never
// removed, so every holder locks the same inode.
#include "util/FileLock.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <map>
#include <unistd.h>

namespace rivet::util {
namespace {

std::mutex& mutexFor(const std::string& path) {
  static std::mutex guard;
  static std::map<std::string, std::mutex> mutexes; // never shrinks: one per lock file used
  std::lock_guard<std::mutex> lock(guard);
  return mutexes[path];
}

} // namespace

FileLock::FileLock(const std::string& path, int mode) : threadLock_(mutexFor(path)) {
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, mode);
  if (fd_ < 0)
    throw FileLockError("cannot open the lock file " + path + ": " + std::strerror(errno));
  struct flock lk {};
  lk.l_type = F_WRLCK;
  lk.l_whence = SEEK_SET;
  while (::fcntl(fd_, F_SETLKW, &lk) != 0) {
    if (errno == EINTR)
      continue;
    int err = errno;
    ::close(fd_);
    throw FileLockError("cannot lock " + path + ": " + std::strerror(err));
  }
}

FileLock::~FileLock() {
  if (fd_ >= 0)
    ::close(fd_);
}

} // namespace rivet::util
