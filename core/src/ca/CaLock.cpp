// util::FileLock with the CA's error and advice.
#include "ca/CaLock.hpp"

#include "ca/CaError.hpp"

namespace rivet::ca {

CaLock::CaLock(const std::string& path) {
  try {
    lock_ = std::make_unique<util::FileLock>(path, 0644);
  } catch (const util::FileLockError& e) {
    throw CaError(std::string("CA: ") + e.what() +
                  "; check the permissions of its folder (on NFS, that the lock service runs)");
  }
}

} // namespace rivet::ca
