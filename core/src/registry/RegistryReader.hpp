// Tolerant reading of mesh.json: a missing file is an empty registry; a torn, empty or invalid
// one is retried briefly, reported once at WARN, and replaced by this process's last good copy.
#pragma once

#include "registry/Registry.hpp"

#include <chrono>
#include <memory>
#include <mutex>
#include <string>

namespace rivet::registry {

class RegistryReader {
public:
  explicit RegistryReader(std::string path);
  const std::string& path() const { return path_; }

  // Never throws for a torn, empty or invalid file (last good copy, or empty when there is
  // none); throws RegistryError for a legacy flat-array file (Kind::Legacy).
  std::shared_ptr<const Registry> read();

  struct ForUpdate {
    Registry registry;
    bool healed = false; // the file was invalid: `registry` is the last good copy, rewrite it
  };
  // For a writer holding the lock. Throws RegistryError: Kind::Legacy; Kind::Io when the file
  // cannot be read; Kind::NoGoodCopy when it is invalid and there is nothing to rebuild it from.
  ForUpdate readForUpdate();

  // What this process just wrote is the newest good copy.
  void remember(Registry&& written);

private:
  struct Attempt;
  Attempt load();
  void noteGood(const std::shared_ptr<const Registry>& good);
  void warnOnce(const std::string& message, const std::string& problem);

  std::string path_;
  std::mutex mutex_; // guards the two fields below
  std::shared_ptr<const Registry> lastGood_;
  std::string lastProblem_; // reported already; cleared when the file reads well again
  // The last good read and the file identity (inode, size, mtime) it was read at: an unchanged
  // file is not read and parsed again (delegation looks at the registry on every request).
  std::shared_ptr<const Registry> cached_;
  std::string cachedIdentity_;
  std::chrono::steady_clock::time_point cachedAt_;
};

} // namespace rivet::registry
