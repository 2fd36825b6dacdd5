// An exclusive lock on a lock file that holds across processes and machines (fcntl, which NFSv4
// honours) and across the threads of this process (a mutex per lock file).
#pragma once

#include <mutex>
#include <stdexcept>
#include <string>

namespace rivet::util {

class FileLockError : public std::runtime_error {
  using std::runtime_error::runtime_error;
};

class FileLock {
public:
  // Blocks until held. FileLockError ("cannot open ..." / "cannot lock ...: <errno text>"), also
  // when `path` is a symbolic link (never followed) or not a regular file.
  FileLock(const std::string& path, int mode);
  ~FileLock(); // closing the descriptor releases the fcntl lock
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;

private:
  // fcntl locks belong to the process and closing any descriptor of the file drops them, so
  // threads take this mutex before they even open the lock file.
  std::unique_lock<std::mutex> threadLock_;
  int fd_ = -1;
};

} // namespace rivet::util
