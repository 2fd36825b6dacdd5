// The folder is watched, not the file: mesh.json is replaced by a rename, which would leave a
// watch on the file itself watching the old inode.
#include "app/FileWatch.hpp"

#include <cstdint>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <unistd.h>

namespace rivet::app {
namespace {

constexpr uint32_t kEvents =
    IN_MOVED_TO | IN_MOVED_FROM | IN_CLOSE_WRITE | IN_CREATE | IN_DELETE; // of files in the folder

} // namespace

FileWatch::FileWatch(const std::string& path) {
  size_t slash = path.rfind('/');
  std::string folder = slash == std::string::npos ? "." : path.substr(0, slash + 1);
  name_ = slash == std::string::npos ? path : path.substr(slash + 1);
  wake_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  inotify_ = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (inotify_ >= 0 && ::inotify_add_watch(inotify_, folder.c_str(), kEvents) < 0) {
    ::close(inotify_);
    inotify_ = -1;
  }
}

FileWatch::~FileWatch() {
  if (inotify_ >= 0)
    ::close(inotify_);
  if (wake_ >= 0)
    ::close(wake_);
}

bool FileWatch::wait(std::chrono::milliseconds timeout) {
  pollfd fds[2] = {{wake_, POLLIN, 0}, {inotify_, POLLIN, 0}}; // a negative fd is skipped
  if (::poll(fds, 2, static_cast<int>(timeout.count())) <= 0)
    return false;
  bool woken = false;
  if (fds[0].revents & POLLIN) {
    uint64_t count = 0;
    woken = ::read(wake_, &count, sizeof count) == sizeof count;
  }
  return (fds[1].revents & POLLIN && drainEvents()) || woken;
}

void FileWatch::wake() {
  uint64_t one = 1;
  if (wake_ >= 0 && ::write(wake_, &one, sizeof one) != sizeof one)
    return; // the counter is full: a wake is pending anyway
}

bool FileWatch::drainEvents() {
  alignas(inotify_event) char buffer[4096];
  bool named = false;
  ssize_t n;
  while ((n = ::read(inotify_, buffer, sizeof buffer)) > 0) {
    for (ssize_t at = 0; at < n;) {
      const auto* event = reinterpret_cast<const inotify_event*>(buffer + at);
      if ((event->mask & IN_Q_OVERFLOW) || (event->len > 0 && name_ == event->name))
        named = true;
      at += static_cast<ssize_t>(sizeof(inotify_event) + event->len);
    }
  }
  return named;
}

} // namespace rivet::app
