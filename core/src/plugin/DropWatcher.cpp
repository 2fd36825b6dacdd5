// Polling, so it works the same on local disks and NFS.
#include "plugin/DropWatcher.hpp"

#include <filesystem>
#include <sys/stat.h>
#include <vector>

namespace rivet::plugin {
namespace fs = std::filesystem;

DropWatcher::DropWatcher(std::string dir, std::function<void(const std::string&)> onReady,
                         std::chrono::milliseconds settle, std::chrono::milliseconds interval)
    : dir_(std::move(dir)), onReady_(std::move(onReady)), settle_(settle), interval_(interval) {}

DropWatcher::~DropWatcher() {
  stop();
}

std::map<std::string, std::string> DropWatcher::scan() const {
  std::map<std::string, std::string> files;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir_, ec)) {
    if (entry.path().extension() != ".so")
      continue;
    struct stat st {};
    if (::stat(entry.path().c_str(), &st) != 0 || !S_ISREG(st.st_mode))
      continue;
    files[entry.path().string()] = std::to_string(st.st_size) + "@" +
                                   std::to_string(st.st_mtim.tv_sec) + "." +
                                   std::to_string(st.st_mtim.tv_nsec);
  }
  return files;
}

void DropWatcher::snapshot() {
  auto now = std::chrono::steady_clock::now();
  for (const auto& [path, sig] : scan())
    seen_[path] = {sig, now, true};
  snapshotTaken_ = true;
}

void DropWatcher::start() {
  if (!snapshotTaken_)
    snapshot();
  thread_ = std::thread([this] { loop(); });
}

void DropWatcher::stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable())
    thread_.join();
}

void DropWatcher::loop() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (!stop_) {
    wake_.wait_for(lock, interval_);
    if (stop_)
      break;
    auto now = std::chrono::steady_clock::now();
    auto files = scan();
    std::vector<std::string> removed;
    for (auto it = seen_.begin(); it != seen_.end();) {
      if (files.count(it->first)) {
        ++it;
        continue;
      }
      if (it->second.handled)
        removed.push_back(it->first);
      it = seen_.erase(it);
    }
    for (const auto& path : removed) {
      if (stop_ || !onRemoved_)
        break;
      lock.unlock();
      onRemoved_(path);
      lock.lock();
    }
    for (const auto& [path, sig] : files) {
      Seen& s = seen_[path];
      if (s.signature != sig) { // new or changed: wait until it settles
        s = {sig, now, false};
        continue;
      }
      if (s.handled || now - s.since < settle_)
        continue;
      if (stop_)
        break;          // stop() waits for at most the one load in progress, never starts another
      s.handled = true; // a refused file is tried again only when it changes
      lock.unlock();
      onReady_(path);
      lock.lock();
    }
  }
}

} // namespace rivet::plugin
