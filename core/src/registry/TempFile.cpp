// The random name defeats a symlink planted at a predictable name; O_EXCL|O_NOFOLLOW would refuse
// one anyway, and the draw is repeated a few times so that a planted file cannot stop writes.
#include "registry/TempFile.hpp"

#include "registry/RegistryError.hpp"

#include <cerrno>
#include <fcntl.h>
#include <random>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

namespace rivet::registry {
namespace {

constexpr int kNameDraws = 8;

std::string randomHex() {
  uint64_t bits = 0;
  if (::getrandom(&bits, sizeof bits, GRND_NONBLOCK) != static_cast<ssize_t>(sizeof bits))
    bits = std::random_device{}() * 0x9E3779B97F4A7C15ull ^ static_cast<uint64_t>(::getpid());
  static const char* digits = "0123456789abcdef";
  std::string out(16, '0');
  for (int i = 15; i >= 0; --i, bits >>= 4)
    out[static_cast<size_t>(i)] = digits[bits & 0xf];
  return out;
}

} // namespace

TempFile::TempFile(const std::string& dir, const std::string& name, unsigned mode) {
  for (int draw = 0; draw < kNameDraws; ++draw) {
    path_ = dir + "/." + name + ".tmp." + randomHex();
    fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
    if (fd_ >= 0)
      return;
    if (errno != EEXIST)
      break;
  }
  throw RegistryError::io("create", path_, errno);
}

TempFile::~TempFile() {
  if (fd_ >= 0)
    ::close(fd_);
  if (!renamed_)
    ::unlink(path_.c_str());
}

void TempFile::write(const std::string& content) {
  const char* p = content.data();
  size_t left = content.size();
  while (left > 0) {
    ssize_t n = ::write(fd_, p, left);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      throw RegistryError::io("write", path_, errno);
    p += n;
    left -= static_cast<size_t>(n);
  }
  if (::fsync(fd_) != 0)
    throw RegistryError::io("flush", path_, errno);
}

void TempFile::setMode(unsigned mode) {
  (void)::fchmod(fd_, mode & 07777);
}

void TempFile::renameOver(const std::string& target) {
  int rc = ::close(fd_);
  fd_ = -1;
  if (rc != 0)
    throw RegistryError::io("flush", path_, errno);
  if (::rename(path_.c_str(), target.c_str()) != 0)
    throw RegistryError::io("rename " + path_ + " over", target, errno);
  renamed_ = true;
}

} // namespace rivet::registry
