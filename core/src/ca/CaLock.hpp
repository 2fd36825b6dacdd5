// An exclusive lock on the CA's lock file, held while the index is read, changed and written,
// so two operators issuing at once (NFS included) never lose each other's entries.
#pragma once

#include "util/FileLock.hpp"

#include <memory>
#include <string>

namespace rivet::ca {

class CaLock {
public:
  explicit CaLock(const std::string& path); // blocks until the lock is held; CaError on failure

private:
  std::unique_ptr<util::FileLock> lock_;
};

} // namespace rivet::ca
