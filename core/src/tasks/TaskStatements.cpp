// Prepared statements over the journal's one connection, and the errors that name its file.
// The columns of `tasks` are read in the order of TASK_COLUMNS (TaskStore's readTask).
#include "tasks/TaskStatements.hpp"

#include <limits>
#include <sqlite3.h>

namespace rivet::tasks {

#define TASK_COLUMNS                                                                               \
  "id, caller, idempotency_key, agent, node, state, request_json, result_json, canceled_by, "      \
  "trace_id, parent_id, cancel_on_disconnect, created_ms, updated_ms, ended_ms"

void TaskDbClose::operator()(sqlite3* db) const {
  sqlite3_close_v2(db); // statements are finalized before (TaskStore's member order)
}

std::runtime_error TaskStatements::error(sqlite3* db, const std::string& path, int code,
                                         const std::string& doing) {
  std::string why = db ? sqlite3_errmsg(db) : sqlite3_errstr(code);
  switch (code & 0xff) {
  case SQLITE_CORRUPT:
  case SQLITE_NOTADB:
    return std::runtime_error(path + " is not a readable task journal (" + why +
                              "); move it away to start with an empty task history");
  case SQLITE_BUSY:
  case SQLITE_LOCKED:
    return std::runtime_error("the task journal " + path + " is locked by another process (" + why +
                              ", while " + doing +
                              "); only one rivetd may use a mesh.state_dir: stop the other one");
  default:
    return std::runtime_error("cannot use the task journal " + path + " (" + why + ", while " +
                              doing + "); check free space and the permissions of mesh.state_dir");
  }
}

void TaskStatements::execute(sqlite3* db, const std::string& path, const char* sql) {
  while (sql && *sql) {
    sqlite3_stmt* stmt = nullptr;
    const char* tail = nullptr;
    int rc = sqlite3_prepare_v2(db, sql, -1, &stmt, &tail);
    if (rc != SQLITE_OK)
      throw error(db, path, rc, std::string("preparing ") + sql);
    if (stmt) {
      while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
      }
      sqlite3_finalize(stmt);
      if (rc != SQLITE_DONE)
        throw error(db, path, rc, std::string("running ") + sql);
    }
    sql = tail;
  }
}

TaskStatements::Statement::Statement(sqlite3* db, const std::string& path, const char* sql)
    : db_(db), path_(path) {
  int rc = sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt_, nullptr);
  if (rc != SQLITE_OK)
    throw error(db, path, rc, std::string("preparing ") + sql);
}

TaskStatements::Statement::~Statement() {
  sqlite3_finalize(stmt_);
}

void TaskStatements::Statement::bind(int index, std::string_view value) {
  // SQLITE_TRANSIENT: SQLite copies the text, so a temporary argument is safe.
  int rc =
      sqlite3_bind_text64(stmt_, index, value.data(), value.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  if (rc != SQLITE_OK)
    throw error(db_, path_, rc, "binding a value");
}

void TaskStatements::Statement::bind(int index, std::int64_t value) {
  int rc = sqlite3_bind_int64(stmt_, index, value);
  if (rc != SQLITE_OK)
    throw error(db_, path_, rc, "binding a value");
}

std::int64_t TaskStatements::Statement::changes() const {
  return sqlite3_changes64(db_);
}

TaskStatements::Query::~Query() {
  sqlite3_reset(statement_.stmt_);
  sqlite3_clear_bindings(statement_.stmt_);
}

bool TaskStatements::Query::next() {
  int rc = sqlite3_step(statement_.stmt_);
  if (rc == SQLITE_ROW)
    return true;
  if (rc == SQLITE_DONE)
    return false;
  throw error(statement_.db_, statement_.path_, rc,
              std::string("running ") + sqlite3_sql(statement_.stmt_));
}

std::string TaskStatements::Query::text(int column) const {
  const auto* p = sqlite3_column_text(statement_.stmt_, column);
  int n = sqlite3_column_bytes(statement_.stmt_, column);
  return p ? std::string(reinterpret_cast<const char*>(p), static_cast<std::size_t>(n)) : "";
}

std::int64_t TaskStatements::Query::integer(int column) const {
  return sqlite3_column_int64(statement_.stmt_, column);
}

TaskStatements::Transaction::Transaction(TaskStatements& s) : s_(s) {
  s_.begin.run();
}

TaskStatements::Transaction::~Transaction() {
  if (!done_) {
    try {
      s_.rollback.run();
    } catch (const std::exception&) {
      // SQLite rolls back by itself after the errors that leave no transaction open
    }
  }
}

void TaskStatements::Transaction::commit() {
  s_.commit.run();
  done_ = true;
}

TaskStatements::TaskStatements(sqlite3* db, const std::string& path)
    : begin(db, path, "BEGIN IMMEDIATE"), commit(db, path, "COMMIT"),
      rollback(db, path, "ROLLBACK"),
      insertTask(db, path,
                 "INSERT INTO tasks (" TASK_COLUMNS ", terminal) "
                 "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)"),
      taskById(db, path, "SELECT " TASK_COLUMNS " FROM tasks WHERE id = ?1"),
      taskByKey(db, path,
                "SELECT " TASK_COLUMNS " FROM tasks "
                "WHERE caller = ?1 AND idempotency_key = ?2 AND idempotency_key <> ''"),
      listAll(db, path,
              "SELECT " TASK_COLUMNS " FROM tasks WHERE (?1 = '' OR state = ?1) "
              "ORDER BY created_ms DESC, rowid DESC LIMIT ?2"),
      listByCaller(db, path,
                   "SELECT " TASK_COLUMNS " FROM tasks WHERE caller = ?1 AND (?2 = '' OR "
                   "state = ?2) ORDER BY created_ms DESC, rowid DESC LIMIT ?3"),
      // A2A's ListTasks: ids only, by caller ('' every caller), agent, state and context.
      listIds(db, path,
              "SELECT id FROM tasks WHERE (?1 = '' OR caller = ?1) AND agent = ?2 AND "
              "(?3 = '' OR state = ?3) AND (?4 = '' OR (json_valid(request_json) AND "
              "json_extract(request_json, '$.a2a.contextId') = ?4)) "
              "ORDER BY created_ms DESC, rowid DESC LIMIT ?5"),
      setState(db, path,
               "UPDATE tasks SET state = ?1, updated_ms = ?2 WHERE id = ?3 AND terminal = 0"),
      finish(db, path,
             "UPDATE tasks SET state = ?1, result_json = ?2, canceled_by = ?3, updated_ms = ?4, "
             "ended_ms = ?4, terminal = 1 WHERE id = ?5 AND terminal = 0"),
      runningIds(db, path, "SELECT id FROM tasks WHERE terminal = 0"),
      insertChild(db, path,
                  "INSERT INTO task_children (task_id, node, child_id, agent) "
                  "SELECT ?1, ?2, ?3, ?4 WHERE EXISTS (SELECT 1 FROM tasks WHERE id = ?1)"),
      childrenOf(db, path,
                 "SELECT node, child_id, agent FROM task_children WHERE task_id = ?1 "
                 "ORDER BY rowid"),
      takeSeq(db, path,
              "UPDATE tasks SET next_seq = next_seq + 1 WHERE id = ?1 RETURNING next_seq - 1"),
      insertEvent(db, path,
                  "INSERT INTO task_events (task_id, seq, type, data_json, at_ms) "
                  "VALUES (?1, ?2, ?3, ?4, ?5)"),
      trimEvents(db, path, "DELETE FROM task_events WHERE task_id = ?1 AND seq <= ?2"),
      eventsAfter(db, path,
                  "SELECT seq, type, data_json, at_ms FROM task_events "
                  "WHERE task_id = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3"),
      firstSeq(db, path,
               "SELECT coalesce((SELECT min(seq) FROM task_events WHERE task_id = t.id), "
               "t.next_seq) FROM tasks t WHERE t.id = ?1"),
      // Children and events go with their task (ON DELETE CASCADE, foreign_keys on).
      pruneByAge(db, path, "DELETE FROM tasks WHERE terminal = 1 AND ended_ms < ?1"),
      pruneByCount(db, path,
                   "DELETE FROM tasks WHERE id IN (SELECT id FROM tasks WHERE terminal = 1 "
                   "ORDER BY ended_ms DESC, rowid DESC LIMIT -1 OFFSET ?1)") {}

#undef TASK_COLUMNS

} // namespace rivet::tasks
