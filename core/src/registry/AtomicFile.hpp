// Reading mesh.json whole, and replacing it atomically: a temporary file in the same folder,
// fsync, rename over the target, fsync of the folder. Readers see the old or the new file, never a
// mix. The folder is shared with other programs, so nothing here follows a link or blocks.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

namespace rivet::registry {

class AtomicFile {
public:
  static constexpr int64_t kDefaultMaxBytes = 64 * 1024 * 1024; // mesh.registry_max_bytes

  // The whole file; nullopt when it does not exist. Opened with O_NOFOLLOW|O_NONBLOCK and
  // checked with fstat before any read, so a symbolic link, FIFO, device or folder is refused at
  // once: RegistryError (Kind::Refused) "<path> is a FIFO, not a regular file; ...". So is a file
  // over `maxBytes` (naming mesh.registry_max_bytes). RegistryError (Kind::Io) on other errors.
  static std::optional<std::string> read(const std::string& path,
                                         int64_t maxBytes = kDefaultMaxBytes);
  // Writes a TempFile in the folder of `path` (mode 0644, or the bits of the regular file it
  // replaces), fsyncs it, then calls `stillCurrent` (when set): false leaves `path` alone and
  // returns false. Otherwise renames it over `path`, fsyncs the folder and returns true.
  // RegistryError (Kind::Io) naming the file on failure; the temporary file is removed.
  static bool replace(const std::string& path, const std::string& content,
                      const std::function<bool()>& stillCurrent = {});
};

} // namespace rivet::registry
