// Whether mesh.json changed is asked of the store: it hands back the same Registry while the
// file's identity is unchanged, so a refresh of an unchanged file costs a stat, not a parse.
#include "app/MeshViewRefresher.hpp"

#include "log/Log.hpp"

#include <algorithm>
#include <sys/stat.h>

namespace rivet::app {

std::chrono::milliseconds MeshViewRefresher::intervalFor(int64_t heartbeatIntervalMs) {
  return std::chrono::milliseconds(std::clamp<int64_t>(heartbeatIntervalMs / 4, 10, 250));
}

MeshViewRefresher::MeshViewRefresher(registry::RegistryStore& store, std::string selfId,
                                     std::chrono::milliseconds interval)
    : store_(store), selfId_(std::move(selfId)), interval_(interval),
      view_(std::make_shared<const MeshView>()), budget_(interval * kBurst),
      budgetAt_(Clock::now()) {}

MeshViewRefresher::~MeshViewRefresher() {
  stop();
}

void MeshViewRefresher::start() {
  std::lock_guard<std::mutex> lock(threadMutex_);
  if (running_)
    return;
  running_ = true;
  watch_ = std::make_unique<FileWatch>(store_.path());
  thread_ = std::thread([this] { loop(); });
}

void MeshViewRefresher::stop() {
  {
    std::lock_guard<std::mutex> lock(threadMutex_);
    if (!running_)
      return;
    running_ = false;
    watch_->wake();
  }
  if (thread_.joinable())
    thread_.join();
  watch_.reset();
}

void MeshViewRefresher::loop() {
  const auto poll = std::min<std::chrono::milliseconds>(interval_, kPoll);
  for (;;) {
    watch_->wait(poll); // an event only says "look now": due() decides
    {
      std::lock_guard<std::mutex> lock(threadMutex_);
      if (!running_)
        return;
    }
    if (due())
      refreshNow();
  }
}

MeshViewRefresher::Identity MeshViewRefresher::identity() const {
  struct stat st {};
  if (::stat(store_.path().c_str(), &st) != 0)
    return {};
  return {true, st.st_dev, st.st_ino, st.st_size, st.st_mtim.tv_sec, st.st_mtim.tv_nsec};
}

bool MeshViewRefresher::due() {
  std::lock_guard<std::mutex> lock(refreshMutex_);
  const auto now = Clock::now();
  budget_ = std::min<Clock::duration>(budget_ + (now - budgetAt_), interval_ * kBurst);
  budgetAt_ = now;
  if (budget_ < interval_ || (now - refreshed_ < kRecheck && identity() == seen_))
    return false;
  budget_ -= interval_;
  return true;
}

void MeshViewRefresher::refreshNow() {
  std::lock_guard<std::mutex> lock(refreshMutex_);
  seen_ = identity(); // before the read: a change while it runs is seen by the next poll
  refreshed_ = Clock::now();
  try {
    std::shared_ptr<const registry::Registry> registry = store_.snapshot();
    // Only this function writes source_, under refreshMutex_: read here without viewMutex_.
    auto view =
        registry == source_ ? nullptr : std::make_shared<const MeshView>(*registry, selfId_);
    {
      std::lock_guard<std::mutex> publish(viewMutex_);
      if (view) {
        view_ = std::move(view);
        source_ = std::move(registry);
      }
      failure_.clear();
    }
    if (!lastFailure_.empty()) {
      lastFailure_.clear();
      log::get("Mesh")->info("Delegation's view of {} is current again", store_.path());
    }
  } catch (const std::exception& e) {
    {
      std::lock_guard<std::mutex> publish(viewMutex_);
      failure_ = e.what();
    }
    if (e.what() == lastFailure_)
      return;
    lastFailure_ = e.what();
    log::get("Mesh")->warn("Delegation's view of {} not refreshed: {}; it keeps the previous "
                           "view ({} other nodes) until the file reads well",
                           store_.path(), lastFailure_, view()->size());
  }
}

std::shared_ptr<const MeshView> MeshViewRefresher::view() const {
  std::lock_guard<std::mutex> lock(viewMutex_);
  return view_;
}

std::shared_ptr<const registry::Registry> MeshViewRefresher::registry(std::string& failure) const {
  std::lock_guard<std::mutex> lock(viewMutex_);
  failure = failure_;
  return failure_.empty() ? source_ : nullptr;
}

} // namespace rivet::app
