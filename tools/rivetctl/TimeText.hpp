// Times as rivetctl prints them: ages ("5s ago") and UTC timestamps.
#pragma once

#include <cstdint>
#include <string>

namespace rivet::ctl {

// "never" for thenMs <= 0, else "12s ago", "3m ago", "2h ago", "4d ago".
std::string age(int64_t nowMs, int64_t thenMs);
// ISO 8601 in UTC to the second: "2026-12-02T13:55:32Z".
std::string isoTime(int64_t ms);
// A date for messages, in UTC to the minute: "2026-12-02 13:55 UTC". `epochSeconds`, not ms.
std::string utcDate(int64_t epochSeconds);
// Milliseconds since the epoch, now.
int64_t epochMs();

} // namespace rivet::ctl
