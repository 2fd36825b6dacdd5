// POSIX calls directly: the write path must do exactly one write, one fsync and one rename, and
// report errno with the file it concerns.
#include "registry/AtomicFile.hpp"

#include "registry/RegistryError.hpp"

#include <atomic>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace rivet::registry {
namespace {

RegistryError ioError(const std::string& what, const std::string& path, int err) {
  return RegistryError(RegistryError::Kind::Io, "cannot " + what + " " + path + ": " +
                                                    std::strerror(err) +
                                                    "; check free space and the permissions of "
                                                    "mesh.storage_dir");
}

void closeQuietly(int fd) {
  if (fd >= 0)
    ::close(fd);
}

} // namespace

std::optional<std::string> AtomicFile::read(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT)
      return std::nullopt;
    throw ioError("open", path, errno);
  }
  std::string content;
  struct stat st {};
  if (::fstat(fd, &st) == 0 && st.st_size > 0)
    content.reserve(static_cast<size_t>(st.st_size) + 1);
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      int err = errno;
      closeQuietly(fd);
      throw ioError("read", path, err);
    }
    if (n == 0)
      break;
    content.append(buf, static_cast<size_t>(n));
  }
  closeQuietly(fd);
  return content;
}

void AtomicFile::replace(const std::string& path, const std::string& content) {
  static std::atomic<unsigned> counter{0};
  size_t slash = path.rfind('/');
  std::string dir = slash == std::string::npos ? "." : path.substr(0, slash);
  std::string name = slash == std::string::npos ? path : path.substr(slash + 1);
  std::string tmp =
      dir + "/." + name + ".tmp." + std::to_string(::getpid()) + "." + std::to_string(counter++);

  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
  if (fd < 0)
    throw ioError("create", tmp, errno);
  struct stat old {};
  if (::stat(path.c_str(), &old) == 0)
    (void)::fchmod(fd, old.st_mode & 07777);
  const char* p = content.data();
  size_t left = content.size();
  while (left > 0) {
    ssize_t n = ::write(fd, p, left);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      int err = errno;
      closeQuietly(fd);
      ::unlink(tmp.c_str());
      throw ioError("write", tmp, err);
    }
    p += n;
    left -= static_cast<size_t>(n);
  }
  int rc = ::fsync(fd);
  int err = errno;
  if (::close(fd) != 0 && rc == 0) {
    rc = -1;
    err = errno;
  }
  if (rc != 0) {
    ::unlink(tmp.c_str());
    throw ioError("flush", tmp, err);
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    throw ioError("rename " + tmp + " over", path, err);
  }
  // Makes the rename itself durable. Some file systems (NFS) refuse fsync on a folder: ignored.
  int dirFd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dirFd >= 0) {
    (void)::fsync(dirFd);
    ::close(dirFd);
  }
}

} // namespace rivet::registry
