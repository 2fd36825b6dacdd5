// POSIX calls directly: the write path must do exactly one write, one fsync and one rename, and
// report errno with the file it concerns. The read is util::readRegularFile's, worded here.
#include "registry/AtomicFile.hpp"

#include "registry/RegistryError.hpp"
#include "registry/TempFile.hpp"
#include "util/RegularFile.hpp"

#include <cerrno>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <utility>

namespace rivet::registry {
namespace {

RegistryError refused(const std::string& path, const std::string& what) {
  return RegistryError(RegistryError::Kind::Refused,
                       path + " is " + what +
                           ", not a regular file; it is not read. Replace it with the registry "
                           "file (or remove it to start an empty registry)");
}

} // namespace

std::optional<std::string> AtomicFile::read(const std::string& path, int64_t maxBytes) {
  using Outcome = util::RegularFileRead::Outcome;
  util::RegularFileRead r = util::readRegularFile(path, maxBytes, false);
  switch (r.outcome) {
  case Outcome::Read:
    return std::move(r.content);
  case Outcome::Missing:
    return std::nullopt;
  case Outcome::Link:
    throw refused(path, "a symbolic link");
  case Outcome::NotRegular:
    throw refused(path, util::fileKind(r.mode));
  case Outcome::TooLarge:
    throw RegistryError(RegistryError::Kind::Refused,
                        path + " is larger than mesh.registry_max_bytes (" +
                            std::to_string(maxBytes) +
                            " bytes); it is not read. Raise mesh.registry_max_bytes if the mesh "
                            "really is that large, else restore the file");
  case Outcome::Failed:
    break;
  }
  throw RegistryError::io(r.step, path, r.error);
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
