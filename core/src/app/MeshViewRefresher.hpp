// Keeps a MeshView of mesh.json current off the request path: its own thread rebuilds the view
// when the file changed (woken by this machine's writes, polling for others'), within a budget.
#pragma once

#include "app/FileWatch.hpp"
#include "app/MeshView.hpp"
#include "registry/RegistryStore.hpp"

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <sys/types.h>
#include <thread>
#include <tuple>

namespace rivet::app {

class MeshViewRefresher {
public:
  using Clock = std::chrono::steady_clock;
  // How often the thread stats mesh.json when no event woke it: writes from other machines
  // (NFS), and a change that had to wait for the budget.
  static constexpr std::chrono::milliseconds kPoll{20};
  // Rebuilds the thread may make back to back before it is held to one per interval.
  static constexpr int kBurst = 4;
  // An unchanged-looking file is read again this often, as RegistryReader's cache is: a rewrite
  // in place within one time stamp tick keeps size and mtime.
  static constexpr std::chrono::seconds kRecheck{1};

  // The rebuild budget: one per 250 ms, or per heartbeat interval / 4 when that is shorter (not
  // under 10 ms), kBurst at once. In a large mesh the file changes all the time (every node
  // heartbeats), so that is how often the view is rebuilt there; in a quiet one, a change made
  // on this machine is seen as soon as the file is replaced, another machine's within kPoll.
  static std::chrono::milliseconds intervalFor(int64_t heartbeatIntervalMs);

  // The view starts empty; nothing is read before refreshNow() or start().
  MeshViewRefresher(registry::RegistryStore& store, std::string selfId,
                    std::chrono::milliseconds interval);
  ~MeshViewRefresher();
  MeshViewRefresher(const MeshViewRefresher&) = delete;
  MeshViewRefresher& operator=(const MeshViewRefresher&) = delete;

  // The thread: refreshNow() when the file changed (or kRecheck passed) and the budget allows,
  // until stop(). Both may be called more than once; start() once the folder exists.
  void start();
  void stop();

  // Reads mesh.json through the store (a stat only, when it did not change) and, when it changed,
  // publishes a view of it before returning. A read that fails keeps the previous view: the
  // store falls back to its last good copy (and warns once), and a legacy file or any other
  // error is logged once per distinct message. Any thread; refreshes run one at a time.
  void refreshNow();

  // The published view. The request path: one pointer copy under a mutex held for nothing else.
  std::shared_ptr<const MeshView> view() const;
  // The registry that view was built from (this node's entry too), as fresh as the view, for
  // the metrics listener. Null, with `failure` set to why, while the last read failed (a legacy
  // file: the view is the previous one); null before the first read.
  std::shared_ptr<const registry::Registry> registry(std::string& failure) const;

private:
  using Identity = std::tuple<bool, dev_t, ino_t, off_t, time_t, long>; // stat'ed, ..., mtime
  Identity identity() const;
  bool due(); // and takes it from the budget
  void loop();

  registry::RegistryStore& store_;
  const std::string selfId_;
  const std::chrono::milliseconds interval_;

  mutable std::mutex viewMutex_; // guards the next three only (refreshNow writes them)
  std::shared_ptr<const MeshView> view_;
  std::shared_ptr<const registry::Registry> source_; // what view_ was built from
  std::string failure_;                              // why the last read failed; "" when it did not

  std::mutex refreshMutex_;     // one refresh at a time (an older read never replaces a newer view)
  Identity seen_{};             // the file as the last refresh stat'ed it
  Clock::time_point refreshed_; // when
  std::string lastFailure_;     // logged already
  Clock::duration budget_;      // rebuild time left to the thread: one costs interval_
  Clock::time_point budgetAt_;

  std::mutex threadMutex_; // guards running_ and watch_
  bool running_ = false;
  std::unique_ptr<FileWatch> watch_;
  std::thread thread_;
};

} // namespace rivet::app
