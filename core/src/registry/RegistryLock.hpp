// The exclusive lock every mesh.json writer of ours holds for its read-modify-write: fcntl on
// <dir>/mesh.json.lock (local disks and NFSv4) plus a process-wide mutex for our own threads.
#pragma once

#include <mutex>
#include <string>

namespace rivet::registry {

class RegistryLock {
public:
  // Blocks until held; RegistryError (Kind::Io) naming the lock file when it cannot be taken.
  explicit RegistryLock(const std::string& lockPath);
  ~RegistryLock(); // closing the descriptor releases the fcntl lock
  RegistryLock(const RegistryLock&) = delete;
  RegistryLock& operator=(const RegistryLock&) = delete;

private:
  // fcntl locks belong to the process, and closing any descriptor of the file drops them, so
  // threads take this mutex before they even open the lock file.
  std::unique_lock<std::mutex> threadLock_;
  int fd_ = -1;
};

} // namespace rivet::registry
