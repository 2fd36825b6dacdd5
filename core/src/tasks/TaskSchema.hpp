// What a file must be to be this node's task journal, and the steps that bring a journal written
// by an older rivetd to this build's schema (PRAGMA user_version).
#pragma once

#include "tasks/TaskStatements.hpp"

#include <string>

namespace rivet::tasks {

class TaskSchema {
public:
  // "RIVT": PRAGMA application_id of every task journal, so another program's database is told
  // apart from an empty one.
  static constexpr int kApplicationId = 0x52495654;
  static int version(); // the newest schema this build writes

  // Opens `path`, creating it (mode 0600) when missing, and returns the connection configured
  // (WAL, busy timeout, a bounded page cache, foreign keys) and migrated to version(). Throws
  // std::runtime_error naming `path`, what is wrong and what to do when it is a link, a FIFO, a
  // folder or any other non-regular file, on a network file system, not a SQLite database,
  // corrupt, another program's database, or written by a newer rivetd. A file that is refused
  // is left exactly as it was.
  static TaskDb open(const std::string& path);
};

} // namespace rivet::tasks
