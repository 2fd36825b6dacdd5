// util::readRegularFile (open O_NONBLOCK [| O_NOFOLLOW] + fstat before any read, as
// registry/AtomicFile reads mesh.json), worded for rivetctl's messages.
#include "SafeRead.hpp"

#include "util/RegularFile.hpp"

#include <cstring>
#include <sys/stat.h>
#include <utility>

namespace rivet::ctl {

std::optional<std::string> readRegularFile(const std::string& path, int64_t maxBytes,
                                           bool followLinks, std::string& why) {
  using Outcome = util::RegularFileRead::Outcome;
  util::RegularFileRead r = util::readRegularFile(path, maxBytes, followLinks);
  switch (r.outcome) {
  case Outcome::Read:
    return std::move(r.content);
  case Outcome::Missing:
    why = path + " does not exist";
    break;
  case Outcome::Link:
    why = path + " is a symbolic link, not a regular file";
    break;
  case Outcome::NotRegular:
    why = path + " is " + (S_ISDIR(r.mode) ? "a folder" : util::fileKind(r.mode)) +
          ", not a regular file";
    break;
  case Outcome::TooLarge:
    why = path + " is larger than " + std::to_string(maxBytes) + " bytes";
    break;
  case Outcome::Failed:
    why = path +
          (std::strcmp(r.step, "open") == 0   ? " cannot be opened: "
           : std::strcmp(r.step, "stat") == 0 ? " cannot be examined: "
                                              : " cannot be read: ") +
          std::strerror(r.error);
    break;
  }
  return std::nullopt;
}

} // namespace rivet::ctl
