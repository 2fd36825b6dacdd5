// Sampling the I/O loops and spreading connections over those in use.
#include "LoopBalancer.hpp"

#include "ChannelServer.hpp"

#include <boost/asio/post.hpp>

#include <fcntl.h>
#include <pthread.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

namespace rivet::mtls {
namespace {

constexpr auto kSampleEvery = std::chrono::milliseconds(250);

int64_t cpuNanos(clockid_t clock) {
  timespec t{};
  if (clock_gettime(clock, &t) != 0)
    return -1;
  return static_cast<int64_t>(t.tv_sec) * 1000000000 + t.tv_nsec;
}

// The machine's idle and iowait time so far, in clock ticks (the first line of /proc/stat);
// -1 when it cannot be read.
int64_t idleTicks() {
  int fd = ::open("/proc/stat", O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return -1;
  char buf[512];
  ssize_t got = ::read(fd, buf, sizeof buf - 1);
  ::close(fd);
  if (got <= 0)
    return -1;
  buf[got] = '\0';
  // cpu  user nice system idle iowait ...
  unsigned long long v[5] = {};
  if (std::sscanf(buf, "cpu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3], &v[4]) != 5)
    return -1;
  return static_cast<int64_t>(v[3] + v[4]);
}

} // namespace

LoopBalancer::LoopBalancer(std::vector<std::unique_ptr<IoLoop>>& loops,
                           std::chrono::milliseconds rotate)
    : loops_(loops), rotate_(rotate), policy_(1) {}

LoopBalancer::~LoopBalancer() = default;

void LoopBalancer::start() {
  policy_ = LoopPolicy(loops_.size());
  if (loops_.size() < 2)
    return; // one loop: nothing to decide
  for (auto& l : loops_)
    if (pthread_getcpuclockid(l->thread.native_handle(), &l->cpuClock) != 0)
      l->cpuClock = -1;
  cpuNs_.assign(loops_.size(), 0);
  busy_.assign(loops_.size(), 0);
  timer_ = std::make_unique<boost::asio::steady_timer>(loops_.front()->context);
  boost::asio::post(loops_.front()->context, [this] {
    at_ = std::chrono::steady_clock::now();
    for (size_t i = 0; i < loops_.size(); ++i)
      cpuNs_[i] = cpuNanos(loops_[i]->cpuClock);
    idleTicks_ = idleTicks();
    arm();
  });
}

void LoopBalancer::stop() {
  if (timer_)
    timer_->cancel();
  stopped_ = true;
}

void LoopBalancer::arm() {
  timer_->expires_after(rotate_.count() > 0 ? rotate_ : kSampleEvery);
  timer_->async_wait([this](boost::system::error_code ec) {
    if (ec || stopped_)
      return;
    sample();
    arm();
  });
}

void LoopBalancer::sample() {
  size_t before = active();
  size_t now = before;
  if (rotate_.count() > 0) {
    now = before == 1 ? loops_.size() : 1;
  } else {
    auto at = std::chrono::steady_clock::now();
    double wall = std::chrono::duration<double>(at - at_).count();
    at_ = at;
    for (size_t i = 0; i < loops_.size(); ++i) {
      int64_t ns = cpuNanos(loops_[i]->cpuClock);
      busy_[i] = ns < 0 || cpuNs_[i] < 0 || wall <= 0 ? 0 : (ns - cpuNs_[i]) / 1e9 / wall;
      cpuNs_[i] = ns;
    }
    int64_t ticks = idleTicks();
    double idle = -1;
    if (ticks >= 0 && idleTicks_ >= 0 && wall > 0)
      idle = static_cast<double>(ticks - idleTicks_) / static_cast<double>(sysconf(_SC_CLK_TCK)) /
             wall;
    idleTicks_ = ticks;
    now = policy_.next(busy_.data(), idle);
  }
  active_.store(now, std::memory_order_relaxed);
  handOut(now, now != before);
}

// Each loop learns how many of its connections to hand over: all of them from a loop no longer
// in use, the ones beyond an even share from a loop in use.
void LoopBalancer::handOut(size_t active, bool changed) {
  size_t total = 0;
  for (auto& l : loops_)
    total += l->assigned.load(std::memory_order_relaxed);
  size_t fair = (total + active - 1) / active;
  std::vector<size_t> extra(loops_.size(), 0);
  bool any = false;
  for (size_t i = 0; i < loops_.size(); ++i) {
    size_t has = loops_[i]->assigned.load(std::memory_order_relaxed);
    extra[i] = i >= active ? has : has > fair + 1 ? has - fair : 0;
    any = any || extra[i] > 0;
  }
  if (!changed && !any)
    return;
  for (size_t i = 0; i < loops_.size(); ++i) {
    IoLoop* l = loops_[i].get();
    boost::asio::post(l->context, [l, n = extra[i]] { l->handOff = n; });
  }
}

IoLoop* LoopBalancer::place(const IoLoop* from) const {
  size_t active = std::min(this->active(), loops_.size());
  IoLoop* best = nullptr;
  size_t fewest = 0;
  for (size_t i = 0; i < active; ++i) {
    IoLoop* l = loops_[i].get();
    if (l == from)
      continue;
    size_t has = l->assigned.load(std::memory_order_relaxed);
    if (!best || has < fewest) {
      best = l;
      fewest = has;
    }
  }
  if (!from)
    return best ? best : loops_.front().get();
  if (!best)
    return nullptr;
  bool fromInUse = from->index < active;
  if (fromInUse && fewest + 1 >= from->assigned.load(std::memory_order_relaxed))
    return nullptr; // moving it would not even them out
  return best;
}

} // namespace rivet::mtls
