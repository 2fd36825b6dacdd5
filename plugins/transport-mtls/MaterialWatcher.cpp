// mtime/size/inode polling: works on local disks and NFS alike.
#include "MaterialWatcher.hpp"

#include <sys/stat.h>

namespace rivet::mtls {

MaterialWatcher::MaterialWatcher(std::vector<std::string> paths, std::function<void()> onChange,
                                 int intervalMs)
    : paths_(std::move(paths)), onChange_(std::move(onChange)), intervalMs_(intervalMs) {}

MaterialWatcher::~MaterialWatcher() {
  stop();
}

std::string MaterialWatcher::snapshot() const {
  std::string s;
  for (const auto& p : paths_) {
    struct stat st {};
    if (p.empty() || ::stat(p.c_str(), &st) != 0) {
      s += "-|";
      continue;
    }
    s += std::to_string(st.st_ino) + ":" + std::to_string(st.st_size) + ":" +
         std::to_string(st.st_mtim.tv_sec) + "." + std::to_string(st.st_mtim.tv_nsec) + "|";
  }
  return s;
}

void MaterialWatcher::start() {
  seen_ = snapshot();
  thread_ = std::thread([this] { loop(); });
}

void MaterialWatcher::stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable())
    thread_.join();
}

void MaterialWatcher::resync() {
  std::lock_guard<std::mutex> lock(mutex_);
  seen_ = snapshot();
}

void MaterialWatcher::loop() {
  std::unique_lock<std::mutex> lock(mutex_);
  std::string pending;
  while (!stop_) {
    wake_.wait_for(lock, std::chrono::milliseconds(intervalMs_));
    if (stop_)
      break;
    std::string now = snapshot();
    if (now == seen_) {
      pending.clear();
      continue;
    }
    if (now != pending) { // changed: wait one more interval for the writer to finish
      pending = now;
      continue;
    }
    seen_ = now;
    pending.clear();
    lock.unlock();
    onChange_();
    lock.lock();
  }
}

} // namespace rivet::mtls
