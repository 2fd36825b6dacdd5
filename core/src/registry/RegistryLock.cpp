// fcntl(F_SETLKW) rather than flock: it is the lock that NFSv4 honours across machines. The lock
// file is never removed, so every writer locks the same inode.
#include "registry/RegistryLock.hpp"

#include "registry/RegistryError.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

namespace rivet::registry {
namespace {

std::mutex& processMutex() {
  static std::mutex m;
  return m;
}

} // namespace

RegistryLock::RegistryLock(const std::string& lockPath) : threadLock_(processMutex()) {
  fd_ = ::open(lockPath.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0666);
  if (fd_ < 0)
    throw RegistryError(RegistryError::Kind::Io,
                        "cannot open the mesh registry lock file " + lockPath + ": " +
                            std::strerror(errno) +
                            "; check that mesh.storage_dir exists and this user may write there");
  struct flock lk {};
  lk.l_type = F_WRLCK;
  lk.l_whence = SEEK_SET;
  while (::fcntl(fd_, F_SETLKW, &lk) != 0) {
    if (errno == EINTR)
      continue;
    int err = errno;
    ::close(fd_);
    throw RegistryError(RegistryError::Kind::Io,
                        "cannot lock " + lockPath + ": " + std::strerror(err) +
                            "; on NFS, check that the lock service (NFSv4 or rpc.statd) works");
  }
}

RegistryLock::~RegistryLock() {
  if (fd_ >= 0)
    ::close(fd_);
}

} // namespace rivet::registry
