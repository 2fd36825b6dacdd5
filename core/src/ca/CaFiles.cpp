// Folder creation, atomic replacement and whole-file reads for the CA's files.
// Errors carry the path and strerror, since they are what an operator can act on.
#include "ca/CaFiles.hpp"

#include "ca/CaError.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>

namespace rivet::ca {
namespace {

std::string parentOf(const std::string& path) {
  auto slash = path.find_last_of('/');
  if (slash == std::string::npos)
    return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

std::string reason() {
  return std::strerror(errno);
}

} // namespace

void ensureDirectory(const std::string& path, unsigned mode) {
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0) {
    if (!S_ISDIR(st.st_mode))
      throw CaError(path + " exists but is not a folder; move it away or choose another --dir");
    return;
  }
  std::string parent = parentOf(path);
  if (parent != path && parent != "." && parent != "/")
    ensureDirectory(parent, 0755);
  if (::mkdir(path.c_str(), mode) != 0 && errno != EEXIST)
    throw CaError("cannot create folder " + path + ": " + reason() + "; check the permissions of " +
                  parent);
  ::chmod(path.c_str(), mode); // mkdir applies the umask; the CA's folders need exact modes
}

void writeFileAtomically(const std::string& path, const std::string& content, unsigned mode) {
  std::string base = path.substr(path.find_last_of('/') + 1); // whole path when there is no '/'
  std::string tmp = parentOf(path) + "/." + base + ".XXXXXX";
  int fd = ::mkostemp(tmp.data(), O_CLOEXEC); // unique per writer; created 0600, then `mode`
  if (fd < 0)
    throw CaError("cannot write " + path + ": " + reason() + "; check the permissions of " +
                  parentOf(path));
  bool ok = ::fchmod(fd, mode) == 0;
  for (size_t done = 0; ok && done < content.size();) {
    ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR)
      continue;
    ok = n > 0;
    done += ok ? static_cast<size_t>(n) : 0;
  }
  ok = ok && ::fsync(fd) == 0;
  int savedErrno = errno;
  ::close(fd);
  if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) {
    if (ok)
      savedErrno = errno;
    ::unlink(tmp.c_str());
    throw CaError("cannot write " + path + ": " + std::strerror(savedErrno) +
                  "; check the free space and permissions of " + parentOf(path));
  }
}

std::string readWholeFile(const std::string& path, const std::string& what,
                          const std::string& hint) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw CaError(what + " " + path + " is not readable: " + reason() + ". " + hint);
  std::ostringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

bool fileExists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

} // namespace rivet::ca
