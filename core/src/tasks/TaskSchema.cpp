// The file is examined before SQLite opens it (lstat, never following a link or opening a FIFO)
// and before anything is written to it, so a file that is refused is left as it was.
#include "tasks/TaskSchema.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <iterator>
#include <sqlite3.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>
#include <vector>

namespace rivet::tasks {
namespace {

const char* const kMoveAway = "; move it away to start with an empty task history";
const char* const kOwnFolder = "; remove it (rivetd then creates the journal anew), or set "
                               "mesh.state_dir to a folder of this node";

// kMigrations[v] brings a journal from schema v to v + 1, in the one transaction of open(), and
// stamps v + 1 itself (PRAGMA user_version takes no parameter). A v2 is one appended function.
void createV1(sqlite3* db, const std::string& path) {
  TaskStatements::execute(db, path, R"sql(
    CREATE TABLE tasks (
      id TEXT PRIMARY KEY NOT NULL,
      caller TEXT NOT NULL,
      idempotency_key TEXT NOT NULL,
      agent TEXT NOT NULL,
      node TEXT NOT NULL,
      state TEXT NOT NULL,
      request_json TEXT NOT NULL,
      result_json TEXT NOT NULL,
      canceled_by TEXT NOT NULL,
      trace_id TEXT NOT NULL,
      parent_id TEXT NOT NULL,
      cancel_on_disconnect INTEGER NOT NULL,
      created_ms INTEGER NOT NULL,
      updated_ms INTEGER NOT NULL,
      ended_ms INTEGER NOT NULL,
      terminal INTEGER NOT NULL,
      next_seq INTEGER NOT NULL DEFAULT 1);
    CREATE UNIQUE INDEX tasks_by_key ON tasks (caller, idempotency_key)
      WHERE idempotency_key <> '';
    CREATE INDEX tasks_by_created ON tasks (created_ms);
    CREATE INDEX tasks_by_caller ON tasks (caller, created_ms);
    CREATE INDEX tasks_by_end ON tasks (terminal, ended_ms);
    CREATE TABLE task_children (
      task_id TEXT NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
      node TEXT NOT NULL,
      child_id TEXT NOT NULL,
      agent TEXT NOT NULL);
    CREATE INDEX task_children_by_task ON task_children (task_id);
    CREATE TABLE task_events (
      task_id TEXT NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
      seq INTEGER NOT NULL,
      type TEXT NOT NULL,
      data_json TEXT NOT NULL,
      at_ms INTEGER NOT NULL,
      UNIQUE (task_id, seq));
    PRAGMA application_id = 1380537940;
    PRAGMA user_version = 1;
  )sql");
}

using Migration = void (*)(sqlite3* db, const std::string& path);
const Migration kMigrations[] = {createV1};

std::string kindOf(mode_t mode) {
  if (S_ISLNK(mode))
    return "a symbolic link";
  if (S_ISFIFO(mode))
    return "a FIFO";
  if (S_ISDIR(mode))
    return "a directory";
  if (S_ISSOCK(mode))
    return "a socket";
  if (S_ISCHR(mode) || S_ISBLK(mode))
    return "a device";
  return "not a regular file";
}

// A regular file at `path`, created empty with mode 0600 when there is none.
void prepareFile(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0 && errno == ENOENT) {
    std::error_code ignored; // a folder that cannot be made is reported by open(2) below
    std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ignored);
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0 && errno != EEXIST)
      throw std::runtime_error("cannot create the task journal " + path + ": " +
                               std::strerror(errno) + "; check the permissions of mesh.state_dir");
    if (fd >= 0)
      ::close(fd);
  }
  if (::lstat(path.c_str(), &st) != 0)
    throw std::runtime_error("cannot examine the task journal " + path + ": " +
                             std::strerror(errno) + "; check the permissions of mesh.state_dir");
  if (!S_ISREG(st.st_mode)) {
    std::string kind = kindOf(st.st_mode);
    throw std::runtime_error(path + " is " + kind +
                             (kind == "not a regular file" ? "" : ", not a regular file") +
                             kOwnFolder);
  }
  struct statfs fs {};
  const long kNfs = 0x6969, kSmb = 0x517b, kCifs = 0xff534d42, kSmb2 = 0xfe534d42;
  if (::statfs(path.c_str(), &fs) == 0) {
    long type = static_cast<long>(fs.f_type);
    if (type == kNfs || type == kSmb || type == kCifs || type == kSmb2)
      throw std::runtime_error(path + " is on a network file system, where SQLite's write-ahead "
                                      "log is not safe; set mesh.state_dir to a local folder "
                                      "(never the shared mesh.storage_dir)");
  }
}

// Owner-only, as the results and requests it holds may be private; the -wal and -shm files
// SQLite makes take the database file's mode.
void restrictMode(const std::string& file) {
  int fd = ::open(file.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0)
    return; // not there (-wal, -shm): made later with the journal's mode
  struct stat st {};
  if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 077) != 0 &&
      ::fchmod(fd, st.st_mode & 0700) != 0) {
    // a file of another user keeps its mode; SQLite refuses it if it cannot write it
  }
  ::close(fd);
}

struct Identity {
  std::int64_t applicationId = 0;
  std::int64_t version = 0;
  std::vector<std::string> tables; // up to 5 names, for the message
};

Identity identify(sqlite3* db, const std::string& path) {
  Identity id;
  TaskStatements::Statement app(db, path, "PRAGMA application_id");
  auto a = app.query();
  id.applicationId = a.next() ? a.integer(0) : 0;
  TaskStatements::Statement version(db, path, "PRAGMA user_version");
  auto v = version.query();
  id.version = v.next() ? v.integer(0) : 0;
  TaskStatements::Statement tables(db, path,
                                   "SELECT name FROM sqlite_schema WHERE type = 'table' AND name "
                                   "NOT LIKE 'sqlite_%' ORDER BY name LIMIT 5");
  for (auto t = tables.query(); t.next();)
    id.tables.push_back(t.text(0));
  return id;
}

void checkIntegrity(sqlite3* db, const std::string& path) {
  TaskStatements::Statement check(db, path, "PRAGMA quick_check(3)");
  std::string problems;
  for (auto q = check.query(); q.next();) {
    std::string line = q.text(0);
    if (line != "ok")
      problems += (problems.empty() ? "" : "; ") + line;
  }
  if (!problems.empty())
    throw std::runtime_error(path + " is not a readable task journal (quick_check: " + problems +
                             ")" + kMoveAway);
}

void migrate(sqlite3* db, const std::string& path, std::int64_t from) {
  TaskStatements::execute(db, path, "BEGIN IMMEDIATE");
  try {
    for (auto v = static_cast<std::size_t>(from); v < std::size(kMigrations); ++v)
      kMigrations[v](db, path);
    TaskStatements::execute(db, path, "COMMIT");
  } catch (...) {
    sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr); // constant text, no result
    throw;
  }
}

} // namespace

int TaskSchema::version() {
  return static_cast<int>(std::size(kMigrations));
}

TaskDb TaskSchema::open(const std::string& path) {
  prepareFile(path);
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &raw,
                           SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOFOLLOW | SQLITE_OPEN_NOMUTEX |
                               SQLITE_OPEN_EXRESCODE,
                           nullptr);
  TaskDb db(raw);
  if (rc != SQLITE_OK)
    throw TaskStatements::error(db.get(), path, rc, "opening it");
  // A hostile file's schema runs no functions or virtual tables of ours, and SQL cannot make
  // the journal corrupt on purpose (writable_schema and the like).
  sqlite3_db_config(db.get(), SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, nullptr);
  sqlite3_db_config(db.get(), SQLITE_DBCONFIG_DEFENSIVE, 1, nullptr);
  sqlite3_busy_timeout(db.get(), 5000);

  Identity id = identify(db.get(), path);
  bool empty = id.applicationId == 0 && id.version == 0 && id.tables.empty();
  if (!empty && id.applicationId != kApplicationId) {
    std::string tables;
    for (const auto& t : id.tables)
      tables += (tables.empty() ? "" : ", ") + t;
    throw std::runtime_error(
        path + " is a SQLite database of another program (application id " +
        std::to_string(id.applicationId) + ", tables: " + (tables.empty() ? "none" : tables) +
        "), not a task journal; move it away, or set mesh.state_dir to a folder of this node");
  }
  if (id.version > version())
    throw std::runtime_error(path + " was written by a newer rivetd (task journal schema " +
                             std::to_string(id.version) + ", this build knows up to " +
                             std::to_string(version()) +
                             "); run that rivetd, or move the file away to start with an empty "
                             "task history");
  if (!empty)
    checkIntegrity(db.get(), path);

  restrictMode(path);
  restrictMode(path + "-wal");
  restrictMode(path + "-shm");
  {
    TaskStatements::Statement wal(db.get(), path, "PRAGMA journal_mode = WAL");
    auto mode = wal.query();
    if (!mode.next() || mode.text(0) != "wal")
      throw std::runtime_error("cannot put the task journal " + path +
                               " in write-ahead-log mode; set mesh.state_dir to a folder on a "
                               "local file system");
  }
  // NORMAL: a commit is on disk at the next checkpoint; finish() switches to FULL for its one
  // commit. 2 MB of page cache (negative = KiB) bounds memory whatever the journal holds; the
  // WAL is cut back to 4 MB after each checkpoint.
  TaskStatements::execute(db.get(), path,
                          "PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; "
                          "PRAGMA cache_size = -2048; PRAGMA journal_size_limit = 4194304;");
  if (id.version < version())
    migrate(db.get(), path, id.version);
  return db;
}

} // namespace rivet::tasks
