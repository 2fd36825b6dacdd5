// POSIX calls directly, so that the refusal comes from fstat of the opened descriptor (no race
// between a stat and the open) and a FIFO never blocks the open.
#include "util/RegularFile.hpp"

#include <cerrno>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace rivet::util {
namespace {

// Closes the descriptor on every path out of readRegularFile().
struct Fd {
  int fd;
  ~Fd() {
    if (fd >= 0)
      ::close(fd);
  }
};

RegularFileRead failed(const char* step, int error) {
  RegularFileRead r;
  r.outcome = RegularFileRead::Outcome::Failed;
  r.step = step;
  r.error = error;
  return r;
}

} // namespace

const char* fileKind(mode_t mode) {
  if (S_ISDIR(mode))
    return "a directory";
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

RegularFileRead readRegularFile(const std::string& path, int64_t maxBytes, bool followLinks) {
  using Outcome = RegularFileRead::Outcome;
  RegularFileRead r;
  const int flags = O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY | (followLinks ? 0 : O_NOFOLLOW);
  Fd f{::open(path.c_str(), flags)};
  if (f.fd < 0) {
    const int err = errno;
    if (err == ENOENT)
      r.outcome = Outcome::Missing;
    else if (err == ELOOP && !followLinks)
      r.outcome = Outcome::Link;
    else
      return failed("open", err);
    return r;
  }
  struct stat st {};
  if (::fstat(f.fd, &st) != 0)
    return failed("stat", errno);
  r.mode = st.st_mode;
  if (!S_ISREG(st.st_mode)) {
    r.outcome = Outcome::NotRegular;
    return r;
  }
  if (st.st_size > maxBytes) {
    r.outcome = Outcome::TooLarge;
    return r;
  }
  r.content.reserve(static_cast<size_t>(st.st_size) + 1);
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(f.fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return failed("read", errno);
    if (n == 0)
      break;
    r.content.append(buf, static_cast<size_t>(n));
    if (static_cast<int64_t>(r.content.size()) > maxBytes) { // grew while read
      r.content.clear();
      r.outcome = Outcome::TooLarge;
      return r;
    }
  }
  return r;
}

} // namespace rivet::util
