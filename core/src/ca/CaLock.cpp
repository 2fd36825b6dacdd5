// fcntl(F_SETLKW) rather than flock: it is the lock that works on NFSv4 as well as local disks.
// The lock file itself is never removed, so every holder locks the same inode.
#include "ca/CaLock.hpp"

#include "ca/CaError.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

namespace rivet::ca {
namespace {

std::mutex& processMutex() {
  static std::mutex m;
  return m;
}

} // namespace

CaLock::CaLock(const std::string& path) : threadLock_(processMutex()) {
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0)
    throw CaError("cannot open the CA lock file " + path + ": " + std::strerror(errno) +
                  "; check the permissions of its folder");
  struct flock lk {};
  lk.l_type = F_WRLCK;
  lk.l_whence = SEEK_SET;
  while (::fcntl(fd_, F_SETLKW, &lk) != 0) {
    if (errno == EINTR)
      continue;
    int err = errno;
    ::close(fd_);
    throw CaError("cannot lock " + path + ": " + std::strerror(err) +
                  "; on NFS, check that the lock service is running");
  }
}

CaLock::~CaLock() {
  if (fd_ >= 0)
    ::close(fd_); // closing releases the fcntl lock
}

} // namespace rivet::ca
