// fcntl(F_SETLKW) rather than flock: it is the lock NFSv4 honours. The lock file is never
// removed, so every holder locks the same inode; it may sit in a folder others write to.
#include "util/FileLock.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <map>
#include <sys/stat.h>
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
  // O_NOFOLLOW: a planted (even dangling) symbolic link is refused, never followed to create or
  // lock its target; O_NONBLOCK: a FIFO there cannot hang the open.
  fd_ =
      ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY, mode);
  if (fd_ < 0 && errno == ELOOP)
    throw FileLockError("cannot open the lock file " + path +
                        ": it is a symbolic link, which is never followed; remove it");
  if (fd_ < 0)
    throw FileLockError("cannot open the lock file " + path + ": " + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd_, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd_);
    throw FileLockError("cannot use the lock file " + path +
                        ": it is not a regular file; remove it");
  }
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
