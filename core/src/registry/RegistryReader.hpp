// Tolerant reading of mesh.json: a missing file is an empty registry; a torn, empty or invalid
// one is retried briefly, reported once at WARN, and replaced by this process's last good copy.
// One that is not a regular file or is too large is treated the same way, without the retries.
#pragma once

#include "registry/Registry.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

namespace rivet::registry {

class RegistryReader {
public:
  // Files over `maxBytes` (mesh.registry_max_bytes) are invalid.
  RegistryReader(std::string path, int64_t maxBytes);
  const std::string& path() const { return path_; }

  // Never throws for a torn, empty or invalid file (last good copy, or empty when there is
  // none); throws RegistryError for a legacy flat-array file (Kind::Legacy).
  std::shared_ptr<const Registry> read();

  struct ForUpdate {
    Registry registry;
    bool healed = false; // the file was invalid: `registry` is the last good copy, rewrite it
    std::optional<std::string> text; // the bytes read (nullopt: no file), to detect a change
    std::string refusal;             // or why the file was refused unread (a FIFO, too large)
  };
  // For a writer holding the lock. Throws RegistryError: Kind::Legacy; Kind::Io when the file
  // cannot be read; Kind::NoGoodCopy when it is invalid and there is nothing to rebuild it from.
  ForUpdate readForUpdate();
  // Whether mesh.json is still exactly what `read` saw: the same bytes, still no file, or still
  // refused for the same reason. Bytes, not inode/size/mtime: NFS times are coarse, and an
  // in-place rewrite of the same size within one tick would otherwise go unseen.
  bool unchangedSince(const ForUpdate& read) const;

  // What this process just wrote is the newest good copy.
  void remember(Registry&& written);

private:
  struct Attempt;
  Attempt load();
  void noteGood(const std::shared_ptr<const Registry>& good);
  void warnOnce(const std::string& message, const std::string& problem);

  std::string path_;
  int64_t maxBytes_;
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
