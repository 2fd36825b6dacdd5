// Reading a whole small file that another program or an operator controls (mesh.json, a
// certificate, a CRL) without blocking on a FIFO or reading a device: opened non-blocking, checked
// with fstat before any read, bounded. The callers word the outcome for their users.
#pragma once

#include <cstdint>
#include <string>
#include <sys/types.h>

namespace rivet::util {

struct RegularFileRead {
  enum class Outcome {
    Read,       // content holds the whole file
    Missing,    // ENOENT
    Link,       // a symbolic link, and links are not followed
    NotRegular, // mode says what it is (fileKind)
    TooLarge,   // over maxBytes, by fstat or while read
    Failed,     // step ("open", "stat" or "read") failed with error (errno)
  };
  Outcome outcome = Outcome::Read;
  std::string content;
  mode_t mode = 0; // as fstat saw it, once the file opened
  const char* step = "";
  int error = 0;
};

// open(O_RDONLY|O_NONBLOCK|O_NOCTTY|O_CLOEXEC, and O_NOFOLLOW unless `followLinks`) + fstat, then
// read to the end. Never throws for what the file is or does.
RegularFileRead readRegularFile(const std::string& path, int64_t maxBytes, bool followLinks);

// "a directory", "a FIFO", "a character device", "a block device", "a socket", or
// "not a regular file".
const char* fileKind(mode_t mode);

} // namespace rivet::util
