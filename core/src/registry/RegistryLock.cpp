// util::FileLock with the registry's error and advice.
#include "registry/RegistryLock.hpp"

#include "registry/RegistryError.hpp"

namespace rivet::registry {

RegistryLock::RegistryLock(const std::string& lockPath) {
  try {
    lock_ = std::make_unique<util::FileLock>(lockPath, 0666);
  } catch (const util::FileLockError& e) {
    throw RegistryError(RegistryError::Kind::Io,
                        std::string("mesh registry: ") + e.what() +
                            "; check that mesh.storage_dir exists and this user may write there "
                            "(on NFS, that the lock service works)");
  }
}

} // namespace rivet::registry
