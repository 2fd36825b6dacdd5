// Reading mesh.json whole, and replacing it atomically: a temporary file in the same folder,
// fsync, rename over the target, fsync of the folder. Readers see the old or the new file, never a
// mix.
#pragma once

#include <optional>
#include <string>

namespace rivet::registry {

class AtomicFile {
public:
  // The whole file; nullopt when it does not exist. RegistryError (Kind::Io) on other errors.
  static std::optional<std::string> read(const std::string& path);
  // Writes <dir>/.<name>.tmp.<pid>.<n>, fsyncs it, renames it over `path` and fsyncs the folder.
  // The file keeps the permission bits of the one it replaces. RegistryError (Kind::Io) naming
  // the file on failure; the temporary file is removed.
  static void replace(const std::string& path, const std::string& content);
};

} // namespace rivet::registry
