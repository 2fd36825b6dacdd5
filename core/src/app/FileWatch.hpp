// Wakes a waiting thread as soon as this machine replaces, rewrites or removes one file (inotify
// on its folder); writes from other machines (NFS) send no event, so waits also time out.
#pragma once

#include <chrono>
#include <string>

namespace rivet::app {

class FileWatch {
public:
  // Watches `path`'s folder for events naming `path`. Without inotify (or the folder), wait()
  // only times out: the caller's polling still sees every change, only later.
  explicit FileWatch(const std::string& path);
  ~FileWatch();
  FileWatch(const FileWatch&) = delete;
  FileWatch& operator=(const FileWatch&) = delete;

  // Blocks until the file may have changed (true), wake() was called (true) or `timeout` passed
  // (false). One thread waits; wake() may be called from any thread.
  bool wait(std::chrono::milliseconds timeout);
  void wake();

private:
  bool drainEvents(); // true when one named the file (or events were lost)

  std::string name_;
  int inotify_ = -1;
  int wake_ = -1; // eventfd
};

} // namespace rivet::app
