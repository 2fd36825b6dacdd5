// POSIX calls directly: the write path must do exactly one write, one fsync and one rename, and
// report errno with the file it concerns.
#include "registry/AtomicFile.hpp"

#include "registry/RegistryError.hpp"
#include "registry/TempFile.hpp"

#include <cerrno>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace rivet::registry {
namespace {

const char* kindOf(mode_t mode) {
  if (S_ISDIR(mode))
    return "a directory";
  if (S_ISFIFO(mode))
    return "a FIFO";
  if (S_ISCHR(mode))
    return "a character device";
  if (S_ISBLK(mode))
    return "a block device";
  if (S_ISSOCK(mode))
    return "a socket";
  return "not a regular file";
}

RegistryError refused(const std::string& path, const std::string& what) {
  return RegistryError(RegistryError::Kind::Refused,
                       path + " is " + what +
                           ", not a regular file; it is not read. Replace it with the registry "
                           "file (or remove it to start an empty registry)");
}

// Closes the descriptor on every path out of read().
struct Fd {
  int fd;
  ~Fd() {
    if (fd >= 0)
      ::close(fd);
  }
};

} // namespace

std::optional<std::string> AtomicFile::read(const std::string& path, int64_t maxBytes) {
  Fd f{::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY)};
  if (f.fd < 0) {
    if (errno == ENOENT)
      return std::nullopt;
    if (errno == ELOOP)
      throw refused(path, "a symbolic link");
    throw RegistryError::io("open", path, errno);
  }
  struct stat st {};
  if (::fstat(f.fd, &st) != 0)
    throw RegistryError::io("stat", path, errno);
  if (!S_ISREG(st.st_mode))
    throw refused(path, kindOf(st.st_mode));
  auto tooLarge = [&] {
    return RegistryError(RegistryError::Kind::Refused,
                         path + " is larger than mesh.registry_max_bytes (" +
                             std::to_string(maxBytes) +
                             " bytes); it is not read. Raise mesh.registry_max_bytes if the mesh "
                             "really is that large, else restore the file");
  };
  if (st.st_size > maxBytes)
    throw tooLarge();
  std::string content;
  content.reserve(static_cast<size_t>(st.st_size) + 1);
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(f.fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      throw RegistryError::io("read", path, errno);
    if (n == 0)
      break;
    content.append(buf, static_cast<size_t>(n));
    if (static_cast<int64_t>(content.size()) > maxBytes) // grew while read
      throw tooLarge();
  }
  return content;
}

bool AtomicFile::replace(const std::string& path, const std::string& content,
                         const std::function<bool()>& stillCurrent) {
  size_t slash = path.rfind('/');
  std::string dir = slash == std::string::npos ? "." : path.substr(0, slash);
  std::string name = slash == std::string::npos ? path : path.substr(slash + 1);
  TempFile tmp(dir, name, 0644);
  struct stat old {};
  if (::lstat(path.c_str(), &old) == 0 && S_ISREG(old.st_mode))
    tmp.setMode(old.st_mode & 0777);
  tmp.write(content);
  if (stillCurrent && !stillCurrent())
    return false;
  tmp.renameOver(path);
  // Makes the rename itself durable. Some file systems (NFS) refuse fsync on a folder: ignored.
  int dirFd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dirFd >= 0) {
    (void)::fsync(dirFd);
    ::close(dirFd);
  }
  return true;
}

} // namespace rivet::registry
