// Copies with copy_file_range from the descriptor that was checked, so the bytes dlopen maps
// are exactly the bytes the checks and the probe saw.
#include "plugin/PrivateCopies.hpp"

#include "plugin/PluginLoader.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <sys/statvfs.h>
#include <unistd.h>
#include <vector>

namespace rivet::plugin {
namespace {

std::string quoted(const std::string& path) {
  return "'" + path + "'";
}

// copy_file_range, falling back to read/write where the kernel or file system refuses it.
bool copyBytes(int in, int out, uint64_t size, std::string& error) {
  uint64_t done = 0;
  while (done < size) {
    ssize_t n = ::copy_file_range(in, nullptr, out, nullptr, size - done, 0);
    if (n < 0 && (errno == EXDEV || errno == ENOSYS || errno == EINVAL || errno == EOPNOTSUPP))
      break;
    if (n <= 0) {
      error = n == 0 ? "the file shrank while being copied" : std::strerror(errno);
      return false;
    }
    done += static_cast<uint64_t>(n);
  }
  std::vector<char> buf(1 << 16);
  while (done < size) {
    ssize_t n = ::pread(in, buf.data(), buf.size(), static_cast<off_t>(done));
    if (n <= 0) {
      error = n == 0 ? "the file shrank while being copied" : std::strerror(errno);
      return false;
    }
    size_t len = std::min<uint64_t>(static_cast<uint64_t>(n), size - done);
    if (::write(out, buf.data(), len) != static_cast<ssize_t>(len)) {
      error = std::strerror(errno);
      return false;
    }
    done += len;
  }
  return true;
}

} // namespace

PrivateCopies::PrivateCopies(std::string parent) : parent_(std::move(parent)) {}

PrivateCopies::~PrivateCopies() {
  if (folder_.empty())
    return;
  std::error_code ec; // mapped copies stay valid after their files are gone
  std::filesystem::remove_all(folder_, ec);
}

void PrivateCopies::setParent(std::string parent) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (folder_.empty())
    parent_ = std::move(parent);
}

void PrivateCopies::createFolder(const std::string& shownPath) {
  std::string parent = parent_;
  if (parent.empty()) {
    const char* tmp = std::getenv("TMPDIR");
    parent = tmp && *tmp ? tmp : "/tmp";
  }
  std::string pattern = parent + "/rivet-plugins.XXXXXX";
  std::vector<char> name(pattern.begin(), pattern.end());
  name.push_back('\0');
  if (!::mkdtemp(name.data()))
    throw LoadError("could not load " + quoted(shownPath) + ": cannot create a private folder " +
                    "for plugin copies in " + parent + ": " + std::strerror(errno) +
                    (parent_.empty() ? "; set TMPDIR or mesh.state_dir to a writable folder"
                                     : "; make mesh.state_dir writable"));
  folder_ = name.data();
  struct statvfs vfs {};
  if (::statvfs(folder_.c_str(), &vfs) == 0 && (vfs.f_flag & ST_NOEXEC)) {
    std::error_code ec;
    std::filesystem::remove(folder_, ec);
    folder_.clear();
    throw LoadError("could not load " + quoted(shownPath) + ": " + parent +
                    " is on a file system mounted noexec, where plugins cannot be mapped; set "
                    "mesh.state_dir to a folder elsewhere");
  }
}

std::string PrivateCopies::copy(const std::string& shownPath, int fd, uint64_t size) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (folder_.empty())
    createFolder(shownPath);
  std::string base = std::filesystem::path(shownPath).filename().string();
  for (;;) {
    std::string path = folder_ + "/" + std::to_string(++counter_) + "-" + base;
    int out = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0500);
    if (out < 0 && errno == EEXIST)
      continue;
    if (out < 0)
      throw LoadError("could not load " + quoted(shownPath) + ": cannot create its private copy " +
                      path + ": " + std::strerror(errno));
    std::string error;
    bool ok = copyBytes(fd, out, size, error);
    if (::close(out) != 0 && ok) {
      ok = false;
      error = std::strerror(errno);
    }
    if (!ok) {
      ::unlink(path.c_str());
      throw LoadError("could not load " + quoted(shownPath) + ": copying it to " + path +
                      " failed: " + error + "; copy the file again once it is complete");
    }
    return path;
  }
}

void PrivateCopies::discard(const std::string& copyPath) {
  if (!copyPath.empty())
    ::unlink(copyPath.c_str());
}

} // namespace rivet::plugin
