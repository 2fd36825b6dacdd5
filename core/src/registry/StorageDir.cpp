// Only the last component is checked: the folders above mesh.storage_dir are the operator's, the
// storage folder itself may sit on a share (NFS) that other programs and machines write to.
#include "registry/StorageDir.hpp"

#include "registry/RegistryError.hpp"

#include <filesystem>
#include <sys/stat.h>
#include <unistd.h>

namespace rivet::registry {
namespace {

RegistryError unusable(const std::string& dir, const std::string& why) {
  return RegistryError(RegistryError::Kind::Io,
                       "mesh.storage_dir " + dir + " " + why +
                           "; set mesh.storage_dir to the real folder of the shared registry");
}

} // namespace

void StorageDir::prepare(const std::string& dir) {
  std::error_code ignored; // a folder that cannot be made is reported below or by the lock
  std::filesystem::create_directories(dir, ignored);
  struct stat link {};
  if (::lstat(dir.c_str(), &link) != 0)
    return; // the lock reports it, with errno
  if (S_ISLNK(link.st_mode) && link.st_uid != 0 && link.st_uid != ::geteuid())
    throw unusable(dir, "is a symbolic link owned by uid " + std::to_string(link.st_uid) +
                            " (neither root nor this user), so it is not followed");
  struct stat target {};
  if (::stat(dir.c_str(), &target) != 0)
    throw unusable(dir, "is a symbolic link to nothing");
  if (!S_ISDIR(target.st_mode))
    throw unusable(dir, "is not a directory");
}

} // namespace rivet::registry
