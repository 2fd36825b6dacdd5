// Formatting of ages and timestamps for the registry and task listings.
#include "TimeText.hpp"

#include <chrono>
#include <ctime>

namespace rivet::ctl {

std::string age(int64_t nowMs, int64_t thenMs) {
  if (thenMs <= 0)
    return "never";
  int64_t s = (nowMs - thenMs) / 1000;
  if (s < 0)
    s = 0;
  if (s < 60)
    return std::to_string(s) + "s ago";
  if (s < 3600)
    return std::to_string(s / 60) + "m ago";
  if (s < 86400)
    return std::to_string(s / 3600) + "h ago";
  return std::to_string(s / 86400) + "d ago";
}

std::string isoTime(int64_t ms) {
  std::time_t t = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string utcDate(int64_t epochSeconds) {
  std::time_t t = static_cast<std::time_t>(epochSeconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M UTC", &tm);
  return buf;
}

int64_t epochMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

} // namespace rivet::ctl
