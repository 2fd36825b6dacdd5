// Reading a small file an operator points rivetctl at (a certificate, a CRL, the CA index)
// without hanging on a FIFO or reading a device: opened non-blocking, checked with fstat.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace rivet::ctl {

// The whole file; nullopt with `why` set ("<path> is a FIFO, not a regular file", "<path> does
// not exist", "<path> is larger than N bytes", ...) when it is not a readable regular file.
// With `followLinks` false a symbolic link is refused too.
std::optional<std::string> readRegularFile(const std::string& path, int64_t maxBytes,
                                           bool followLinks, std::string& why);

} // namespace rivet::ctl
