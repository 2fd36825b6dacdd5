// The exclusive lock every mesh.json writer of ours holds for its read-modify-write:
// <dir>/mesh.json.lock (local disks and NFSv4) and our own threads.
#pragma once

#include "util/FileLock.hpp"

#include <memory>
#include <string>

namespace rivet::registry {

class RegistryLock {
public:
  // Blocks until held; RegistryError (Kind::Io) naming the lock file when it cannot be taken.
  explicit RegistryLock(const std::string& lockPath);

private:
  std::unique_ptr<util::FileLock> lock_;
};

} // namespace rivet::registry
