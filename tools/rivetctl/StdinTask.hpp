// A task text read from stdin (`send AGENT -`, `delegate AGENT -`), bounded.
#pragma once

#include <cstddef>
#include <string>

namespace rivet::ctl {

constexpr size_t kMaxStdinTask = 10 * 1024 * 1024;

// Reads all of stdin into `task`. Prints why it cannot be used, naming `command`, and returns
// the exit code (1 larger than 10 MiB or unreadable, 2 empty, as an empty argument is), or 0.
int readStdinTask(const char* command, std::string& task);

} // namespace rivet::ctl
