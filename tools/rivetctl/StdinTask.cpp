// Reading a task from stdin without holding more than the limit.
#include "StdinTask.hpp"

#include "LocalNode.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iostream>

namespace rivet::ctl {

int readStdinTask(const char* command, std::string& task) {
  task.clear();
  char buf[65536];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, stdin)) > 0) {
    if (task.size() + n > kMaxStdinTask) {
      std::cerr << "rivetctl " << command
                << ": the task on stdin is larger than 10 MiB; give a shorter task (or put the "
                   "data where the agent can read it and send its name)\n";
      return kExitFailed;
    }
    task.append(buf, n);
  }
  if (std::ferror(stdin)) {
    std::cerr << "rivetctl " << command
              << ": cannot read the task from stdin: " << std::strerror(errno) << "\n";
    return kExitFailed;
  }
  if (task.empty()) {
    std::cerr << "rivetctl " << command << ": the task on stdin is empty; pipe the task text in, "
              << "e.g. echo 'task' | rivetctl " << command << " AGENT -\n";
    return kExitUsage;
  }
  return kExitOk;
}

} // namespace rivet::ctl
