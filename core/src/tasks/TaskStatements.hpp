// The SQL of the task journal: every statement the store runs, prepared once for the
// connection's life, bound by position. Not thread-safe: TaskStore's mutex guards it.
#pragma once

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

struct sqlite3;
struct sqlite3_stmt;

namespace rivet::tasks {

struct TaskDbClose {
  void operator()(sqlite3* db) const;
};
using TaskDb = std::unique_ptr<sqlite3, TaskDbClose>;

class TaskStatements {
public:
  class Statement;

  // One run of a statement: parameters bound, stepped row by row, reset when it ends.
  class Query {
  public:
    ~Query();
    Query(const Query&) = delete;
    Query& operator=(const Query&) = delete;
    bool next(); // steps; true while there is a row
    std::string text(int column) const;
    std::int64_t integer(int column) const;

  private:
    friend class Statement;
    explicit Query(Statement& statement) : statement_(statement) {}
    Statement& statement_;
  };

  class Statement {
  public:
    Statement(sqlite3* db, const std::string& path, const char* sql);
    ~Statement();
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;

    template <typename... Args> Query query(const Args&... args) {
      int index = 0;
      (bind(++index, args), ...);
      return Query(*this);
    }
    // Steps to the end; returns how many rows it changed.
    template <typename... Args> std::int64_t run(const Args&... args) {
      Query q = query(args...);
      while (q.next()) {
      }
      return changes();
    }

  private:
    friend class Query;
    void bind(int index, std::string_view value);
    void bind(int index, std::int64_t value);
    std::int64_t changes() const;
    sqlite3* db_;
    const std::string& path_;
    sqlite3_stmt* stmt_ = nullptr;
  };

  // BEGIN IMMEDIATE (the write lock at once, so no transaction has to be retried midway);
  // rolled back unless commit() was reached.
  class Transaction {
  public:
    explicit Transaction(TaskStatements& s);
    ~Transaction();
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;
    void commit();

  private:
    TaskStatements& s_;
    bool done_ = false;
  };

  // `path` must outlive the statements (error messages name it).
  TaskStatements(sqlite3* db, const std::string& path);

  // Runs every statement of constant `sql` once (pragmas, schema), prepared for this use only:
  // pragmas such as `synchronous` take effect when prepared, not when stepped.
  static void execute(sqlite3* db, const std::string& path, const char* sql);
  // std::runtime_error for SQLite's error `code` on `path`, saying what to do.
  static std::runtime_error error(sqlite3* db, const std::string& path, int code,
                                  const std::string& doing);

  Statement begin, commit, rollback;
  Statement insertTask, taskById, taskByKey, listAll, listByCaller, listIds;
  Statement setState, finish, runningIds;
  Statement insertChild, childrenOf;
  Statement takeSeq, insertEvent, trimEvents, eventsAfter, firstSeq;
  Statement pruneByAge, pruneByCount;
};

} // namespace rivet::tasks
