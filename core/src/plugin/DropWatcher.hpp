// Watches the agents folder for plugin files dropped in while rivetd runs: a new or changed
// `.so` is reported once it has stopped changing for a settle time (a copy has finished).
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>

namespace rivet::plugin {

class DropWatcher {
public:
  // `onReady(path)` runs on the watcher's thread, one call at a time, only between start() and
  // stop(): it is the one host control thread while it runs (abi.h), since stop() waits for it.
  DropWatcher(std::string dir, std::function<void(const std::string&)> onReady,
              std::chrono::milliseconds settle = std::chrono::milliseconds(500),
              std::chrono::milliseconds interval = std::chrono::milliseconds(200));
  ~DropWatcher();
  DropWatcher(const DropWatcher&) = delete;
  DropWatcher& operator=(const DropWatcher&) = delete;

  // Remembers the folder's current files as already handled (call it before the plugins are
  // loaded, so that nothing copied in while the node starts is missed).
  void snapshot();
  // `onRemoved(path)` (set before start()) runs like onReady for a file that was handled (at the
  // snapshot or by onReady) and is no longer in the folder.
  void onRemoved(std::function<void(const std::string&)> onRemoved) {
    onRemoved_ = std::move(onRemoved);
  }
  // Starts watching (takes the snapshot first if none was taken).
  void start();
  // Returns once no onReady is running and none will start; one in progress finishes first.
  void stop();

private:
  struct Seen {
    std::string signature; // size and mtime
    std::chrono::steady_clock::time_point since;
    bool handled = false;
  };
  std::map<std::string, std::string> scan() const; // path -> signature
  void loop();

  std::string dir_;
  std::function<void(const std::string&)> onReady_;
  std::function<void(const std::string&)> onRemoved_;
  std::chrono::milliseconds settle_;
  std::chrono::milliseconds interval_;
  std::map<std::string, Seen> seen_;
  bool snapshotTaken_ = false;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::thread thread_;
};

} // namespace rivet::plugin
