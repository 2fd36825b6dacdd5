// An exclusive fcntl lock on the CA's lock file, held while the index is read, changed and
// written, so two operators issuing at once (NFS included) never lose each other's entries.
#pragma once

#include <mutex>
#include <string>

namespace rivet::ca {

class CaLock {
public:
  explicit CaLock(const std::string& path); // blocks until the lock is held; CaError on failure
  ~CaLock();
  CaLock(const CaLock&) = delete;
  CaLock& operator=(const CaLock&) = delete;

private:
  std::unique_lock<std::mutex> threadLock_; // fcntl locks are per process: this covers threads
  int fd_ = -1;
};

} // namespace rivet::ca
