// The one exception type of the registry: what went wrong with mesh.json, naming the file and
// what to do. `kind` lets the tolerant reader retry torn files and refuse everything else.
#pragma once

#include <stdexcept>
#include <string>

namespace rivet::registry {

class RegistryError : public std::runtime_error {
public:
  enum class Kind {
    Invalid,    // not JSON, empty, torn, or not the registry's shape: retried, then tolerated
    Legacy,     // "nodes" is an array (pre-capabilities format): refused, never overwritten
    Io,         // the file or its folder could not be read, written or locked
    NoGoodCopy, // invalid under the lock and this process never read a good copy: not written
  };
  RegistryError(Kind kind, const std::string& message) : std::runtime_error(message), kind_(kind) {}
  Kind kind() const { return kind_; }

private:
  Kind kind_;
};

} // namespace rivet::registry
