// The one exception type of the registry: what went wrong with mesh.json, naming the file and
// what to do. `kind` lets the tolerant reader retry torn files and refuse everything else.
#pragma once

#include <cstring>
#include <stdexcept>
#include <string>

namespace rivet::registry {

class RegistryError : public std::runtime_error {
public:
  enum class Kind {
    Invalid,    // not JSON, empty, torn, or not the registry's shape: retried, then tolerated
    Refused,    // not a regular file, or over mesh.registry_max_bytes: tolerated as Invalid
                // (last good copy), but at once, without the retries
    Legacy,     // "nodes" is an array (pre-capabilities format): refused, never overwritten
    Io,         // the file or its folder could not be read, written or locked
    NoGoodCopy, // invalid under the lock and this process never read a good copy: not written
  };
  RegistryError(Kind kind, const std::string& message) : std::runtime_error(message), kind_(kind) {}
  Kind kind() const { return kind_; }

  // Kind::Io: "cannot <what> <path>: <errno text>; check free space and the permissions of
  // mesh.storage_dir".
  static RegistryError io(const std::string& what, const std::string& path, int err) {
    return RegistryError(Kind::Io, "cannot " + what + " " + path + ": " + std::strerror(err) +
                                       "; check free space and the permissions of "
                                       "mesh.storage_dir");
  }

private:
  Kind kind_;
};

} // namespace rivet::registry
