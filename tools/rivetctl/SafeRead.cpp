// open(O_NONBLOCK [| O_NOFOLLOW]) + fstat before any read, as registry/AtomicFile reads mesh.json.
#include "SafeRead.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace rivet::ctl {
namespace {

const char* kindOf(mode_t mode) {
  if (S_ISDIR(mode))
    return "a folder";
  if (S_ISFIFO(mode))
    return "a FIFO";
  if (S_ISCHR(mode))
    return "a character device";
  if (S_ISBLK(mode))
    return "a block device";
  if (S_ISSOCK(mode))
    return "a socket";
  return "not a regular file";
}

} // namespace

std::optional<std::string> readRegularFile(const std::string& path, int64_t maxBytes,
                                           bool followLinks, std::string& why) {
  int flags = O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY | (followLinks ? 0 : O_NOFOLLOW);
  int fd = ::open(path.c_str(), flags);
  if (fd < 0) {
    int err = errno;
    if (err == ENOENT)
      why = path + " does not exist";
    else if (err == ELOOP && !followLinks)
      why = path + " is a symbolic link, not a regular file";
    else
      why = path + " cannot be opened: " + std::strerror(err);
    return std::nullopt;
  }
  struct stat st {};
  std::string content;
  if (::fstat(fd, &st) != 0) {
    why = path + " cannot be examined: " + std::strerror(errno);
  } else if (!S_ISREG(st.st_mode)) {
    why = path + " is " + kindOf(st.st_mode) + ", not a regular file";
  } else if (st.st_size > maxBytes) {
    why = path + " is larger than " + std::to_string(maxBytes) + " bytes";
  } else {
    char buf[16384];
    for (;;) {
      ssize_t n = ::read(fd, buf, sizeof buf);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0) {
        why = path + " cannot be read: " + std::strerror(errno);
        break;
      }
      if (n == 0)
        break;
      content.append(buf, static_cast<size_t>(n));
      if (static_cast<int64_t>(content.size()) > maxBytes) {
        why = path + " is larger than " + std::to_string(maxBytes) + " bytes";
        break;
      }
    }
  }
  ::close(fd);
  if (!why.empty())
    return std::nullopt;
  return content;
}

} // namespace rivet::ctl
