// The folder mesh.json lives in (mesh.storage_dir), checked before every write: it must be a
// directory, and reached through a symbolic link only if that link is the operator's.
#pragma once

#include <string>

namespace rivet::registry {

class StorageDir {
public:
  // Creates `dir` when missing, then throws RegistryError (Kind::Io) naming it and
  // mesh.storage_dir when it is not a directory, or is a symbolic link owned by anyone but root
  // or this process's user (a link an NFS mount is reached through is the operator's and is
  // followed; one another program planted is not).
  static void prepare(const std::string& dir);
};

} // namespace rivet::registry
