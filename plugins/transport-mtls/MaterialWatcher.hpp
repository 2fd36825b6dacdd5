// Notices when the certificate, key, CA or CRL file changes on disk and, once the files have
// stopped changing, asks for a reload.
#pragma once

#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace rivet::mtls {

class MaterialWatcher {
public:
  MaterialWatcher(std::vector<std::string> paths, std::function<void()> onChange,
                  int intervalMs = 500);
  ~MaterialWatcher();
  void start();
  void stop();
  // Re-reads the current file states (after a reload triggered elsewhere).
  void resync();

private:
  std::string snapshot() const;
  void loop();

  std::vector<std::string> paths_;
  std::function<void()> onChange_;
  int intervalMs_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::string seen_;
  std::thread thread_;
};

} // namespace rivet::mtls
