// The task journal (issue 11) on real files: idempotent submit across threads and restarts,
// first-wins terminal writes that survive a crash, bounded event tails, retention, bounded
// memory, and the files it refuses.
#include "tasks/TaskStore.hpp"

#include "TestSupport.hpp"

#include <atomic>
#include <csignal>
#include <filesystem>
#include <functional>
#include <gtest/gtest.h>
#include <iostream>
#include <poll.h>
#include <set>
#include <sqlite3.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

using namespace rivet::tasks;
using namespace rivet::test;
namespace fs = std::filesystem;

namespace {

const char* const kResult = R"({"status":"completed","response":"42"})";

TaskRecord submission(const std::string& caller = "cn:alpha", const std::string& key = "") {
  TaskRecord t;
  t.caller = caller;
  t.idempotencyKey = key;
  t.agent = "echo";
  t.node = "alpha";
  t.requestJson = R"({"toAgent":"echo","message":"hi"})";
  return t;
}

std::string openError(const std::string& path) {
  try {
    TaskStore store(path, {});
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "(opened)";
}

template <typename F> std::string invalidArgument(F f) {
  try {
    f();
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "(no std::invalid_argument)";
}

struct ChildResult {
  bool timedOut = false;
  int exitCode = -1;
  std::string message; // what the child wrote to the pipe
};

// Runs `body` in a forked child that writes its answer to a pipe and ends with _exit (no
// destructors, no close of the journal); killed after `timeout` or once `killAfterAnswer`.
ChildResult inChild(const std::function<std::string()>& body, bool killAfterAnswer = false,
                    std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
  int fds[2];
  if (::pipe(fds) != 0)
    throw std::runtime_error("pipe failed");
  pid_t pid = ::fork();
  if (pid == 0) {
    ::close(fds[0]);
    std::string answer;
    int code = 0;
    try {
      answer = body();
    } catch (const std::exception& e) {
      answer = std::string("exception: ") + e.what();
      code = 1;
    }
    answer += '\n';
    if (::write(fds[1], answer.data(), answer.size()) < 0)
      code = 2;
    if (killAfterAnswer)
      ::pause(); // the parent's SIGKILL ends it
    ::_exit(code);
  }
  ::close(fds[1]);
  ChildResult r;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  char buf[4096];
  while (r.message.empty() || r.message.back() != '\n') {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    pollfd p{fds[0], POLLIN, 0};
    if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) <= 0) {
      r.timedOut = true;
      break;
    }
    ssize_t n = ::read(fds[0], buf, sizeof buf);
    if (n <= 0)
      break;
    r.message.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fds[0]);
  if (r.timedOut || killAfterAnswer)
    ::kill(pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
  r.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  if (!r.message.empty() && r.message.back() == '\n')
    r.message.pop_back();
  return r;
}

// Raw SQLite on a closed journal: to craft hostile files and to count rows the API hides.
void rawSql(const std::string& path, const char* sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  char* err = nullptr;
  int rc = sqlite3_exec(db, sql, nullptr, nullptr, &err);
  std::string message = err ? err : "";
  sqlite3_free(err);
  sqlite3_close(db);
  ASSERT_EQ(rc, SQLITE_OK) << message;
}

std::int64_t rawCount(const std::string& path, const char* sql) {
  sqlite3* db = nullptr;
  sqlite3_stmt* stmt = nullptr;
  std::int64_t n = -1;
  if (sqlite3_open(path.c_str(), &db) == SQLITE_OK &&
      sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr) == SQLITE_OK &&
      sqlite3_step(stmt) == SQLITE_ROW)
    n = sqlite3_column_int64(stmt, 0);
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return n;
}

std::string randomBytes(std::size_t n) {
  std::string s;
  std::uint32_t x = 0x9e3779b9;
  for (std::size_t i = 0; i < n; ++i) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    s += static_cast<char>(x & 0xff);
  }
  return s;
}

} // namespace

// --- submit, read, list -----------------------------------------------------------------------

TEST(TaskStore, CreateGivesA128BitHexIdAndTheSubmittedState) {
  TempDir dir;
  TaskStore store(dir.file("tasks.db"), {});
  auto a = store.create(submission());
  auto b = store.create(submission());
  EXPECT_TRUE(a.created);
  EXPECT_TRUE(TaskStore::isTaskId(a.task.id)) << a.task.id;
  EXPECT_NE(a.task.id, b.task.id);
  EXPECT_EQ(a.task.state, "submitted");
  EXPECT_GT(a.task.createdMs, 0);
  EXPECT_EQ(a.task.updatedMs, a.task.createdMs);
  EXPECT_EQ(a.task.endedMs, 0);
}

TEST(TaskStore, FindReturnsEveryFieldAsStoredWithItsChildrenInOrder) {
  TempDir dir;
  TaskStore store(dir.file("tasks.db"), {});
  TaskRecord t = submission("local", "k");
  t.traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
  t.parentId = TaskStore::newTaskId();
  t.cancelOnDisconnect = true;
  t.createdMs = 1000;
  t.children = {{"beta", "b1", "writer"}};
  std::string id = store.create(t).task.id;
  ASSERT_TRUE(store.addChild(id, {"gamma", "c1", "sleeper"}));
  EXPECT_FALSE(store.addChild(TaskStore::newTaskId(), {"gamma", "c2", "sleeper"}));

  auto found = store.find(id);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->caller, "local");
  EXPECT_EQ(found->idempotencyKey, "k");
  EXPECT_EQ(found->agent, "echo");
  EXPECT_EQ(found->node, "alpha");
  EXPECT_EQ(found->requestJson, t.requestJson);
  EXPECT_EQ(found->traceId, t.traceId);
  EXPECT_EQ(found->parentId, t.parentId);
  EXPECT_TRUE(found->cancelOnDisconnect);
  EXPECT_EQ(found->createdMs, 1000);
  ASSERT_EQ(found->children.size(), 2u);
  EXPECT_EQ(found->children[0].node, "beta");
  EXPECT_EQ(found->children[1].taskId, "c1");
  EXPECT_EQ(found->children[1].agent, "sleeper");
  EXPECT_FALSE(store.find(TaskStore::newTaskId()));
}

TEST(TaskStore, SameKeyFromTheSameCallerReturnsTheExistingTask) {
  TempDir dir;
  TaskStore store(dir.file("tasks.db"), {});
  auto first = store.create(submission("cn:beta", "retry-1"));
  TaskRecord again = submission("cn:beta", "retry-1");
  again.requestJson = R"({"toAgent":"echo","message":"a retry"})";
  auto second = store.create(again);
  EXPECT_TRUE(first.created);
  EXPECT_FALSE(second.created);
  EXPECT_EQ(second.task.id, first.task.id);
  EXPECT_EQ(second.task.requestJson, first.task.requestJson);
  EXPECT_EQ(store.list("cn:beta", "", 10).size(), 1u);
}

TEST(TaskStore, SameKeyFromAnotherCallerIsAnotherTask) {
  TempDir dir;
  TaskStore store(dir.file("tasks.db"), {});
  auto beta = store.create(submission("cn:beta", "retry-1"));
  auto gamma = store.create(submission("cn:gamma", "retry-1"));
  EXPECT_TRUE(gamma.created);
  EXPECT_NE(gamma.task.id, beta.task.id);
}

TEST(TaskStore, TasksWithoutAKeyAreNeverMerged) {
  TempDir dir;
  TaskStore store(dir.file("tasks.db"), {});
  EXPECT_TRUE(store.create(submission("cn:beta")).created);
  EXPECT_TRUE(store.create(submission("cn:beta")).created);
  EXPECT_EQ(store.list("cn:beta", "", 10).size(), 2u);
}

TEST(TaskStore, IdempotencyKeySurvivesReopen) {
  TempDir dir;
  std::string id;
  {
    TaskStore store(dir.file("tasks.db"), {});
    id = store.create(submission("cn:beta", "retry-1")).task.id;
    ASSERT_TRUE(store.finish(id, "completed", kResult, "", 2000));
  }
  TaskStore store(dir.file("tasks.db"), {});
  auto again = store.create(submission("cn:beta", "retry-1"));
  EXPECT_FALSE(again.created);
  EXPECT_EQ(again.task.id, id);
  EXPECT_EQ(again.task.state, "completed");
  EXPECT_EQ(again.task.resultJson, kResult);
}

TEST(TaskStore, SixteenThreadsRacingOneKeyGetOneTask) {
  TempDir dir;
  TaskStore store(dir.file("tasks.db"), {});
  std::atomic<int> ready{0};
  std::vector<TaskStore::Created> results(16);
  std::vector<std::thread> threads;
  for (int i = 0; i < 16; ++i)
    threads.emplace_back([&, i] {
      ready.fetch_add(1);
      while (ready.load() < 16) {
      }
      results[static_cast<std::size_t>(i)] = store.create(submission("cn:beta", "same-key"));
    });
  for (auto& t : threads)
    t.join();
  int created = 0;
  for (const auto& r : results) {
    created += r.created ? 1 : 0;
    EXPECT_EQ(r.task.id, results[0].task.id);
  }
  EXPECT_EQ(created, 1);
  EXPECT_EQ(store.list("", "", 100).size(), 1u);
}

TEST(TaskStore, ListIsNewestFirstAndFiltersByCallerAndState) {
  TempDir dir;
  TaskStore store(dir.file("tasks.db"), {});
  auto make = [&](const std::string& caller, std::int64_t at) {
    TaskRecord t = submission(caller);
    t.createdMs = at;
    return store.create(t).task.id;
  };
  std::string a1 = make("cn:a", 100), b = make("cn:b", 200), a2 = make("cn:a", 300);
  ASSERT_TRUE(store.finish(b, "completed", kResult, "", 400));

  auto ids = [](const std::vector<TaskRecord>& tasks) {
    std::vector<std::string> out;
    for (const auto& t : tasks)
      out.push_back(t.id);
    return out;
  };
  EXPECT_EQ(ids(store.list("", "", 10)), (std::vector<std::string>{a2, b, a1}));
  EXPECT_EQ(ids(store.list("cn:a", "", 10)), (std::vector<std::string>{a2, a1}));
  EXPECT_EQ(ids(store.list("", "completed", 10)), (std::vector<std::string>{b}));
  EXPECT_EQ(ids(store.list("cn:a", "completed", 10)), (std::vector<std::string>{}));
  EXPECT_EQ(ids(store.list("", "", 1)), (std::vector<std::string>{a2}));
  EXPECT_EQ(ids(store.list("cn:nobody", "", 10)), (std::vector<std::string>{}));
}

// --- state changes and the terminal write -----------------------------------------------------

TEST(TaskStore, SetStateMovesARunningTaskAndNeverLeavesATerminalState) {
  TempDir dir;
  TaskStore store(dir.file("tasks.db"), {});
  std::string id = store.create(submission()).task.id;
  EXPECT_TRUE(store.setState(id, "working", 1500));
  EXPECT_EQ(store.find(id)->state, "working");
  EXPECT_EQ(store.find(id)->updatedMs, 1500);
  EXPECT_TRUE(store.setState(id, "input-required", 1600));
  ASSERT_TRUE(store.finish(id, "canceled", "{}", "cn:beta", 2000));
  EXPECT_FALSE(store.setState(id, "working", 2100));
  EXPECT_EQ(store.find(id)->state, "canceled");
  EXPECT_FALSE(store.setState(TaskStore::newTaskId(), "working", 2100));
}

TEST(TaskStore, FinishIsFirstWins) {
  TempDir dir;
  TaskStore store(dir.file("tasks.db"), {});
  std::string id = store.create(submission()).task.id;
  EXPECT_TRUE(store.finish(id, "canceled", R"({"status":"canceled"})", "cn:beta", 2000));
  EXPECT_FALSE(store.finish(id, "completed", kResult, "", 3000));
  auto t = store.find(id);
  EXPECT_EQ(t->state, "canceled");
  EXPECT_EQ(t->resultJson, R"({"status":"canceled"})");
  EXPECT_EQ(t->canceledBy, "cn:beta");
  EXPECT_EQ(t->endedMs, 2000);
  EXPECT_FALSE(store.finish(TaskStore::newTaskId(), "completed", kResult, "", 3000));
}

TEST(TaskStore, SixteenThreadsFinishingOneTaskHaveOneWinner) {
  TempDir dir;
  TaskStore store(dir.file("tasks.db"), {});
  std::string id = store.create(submission()).task.id;
  std::atomic<int> wins{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 16; ++i)
    threads.emplace_back([&, i] {
      if (store.finish(id, "completed", "{\"n\":" + std::to_string(i) + "}", "", 2000 + i))
        wins.fetch_add(1);
    });
  for (auto& t : threads)
    t.join();
  EXPECT_EQ(wins.load(), 1);
}

// A process that dies keeps every commit it made (the log is in the kernel's page cache);
// what synchronous=FULL adds for finish(), an fsync of the log before it returns, survives a
// power cut too, which a test cannot cut (strace shows one fdatasync per finish()).
TEST(TaskStore, FinishedResultSurvivesAProcessThatExitsWithoutClosingTheJournal) {
  TempDir dir;
  std::string path = dir.file("tasks.db");
  std::string id;
  {
    TaskStore store(path, {});
    id = store.create(submission()).task.id;
  }
  ChildResult child = inChild([&] {
    auto* store = new TaskStore(path, {}); // never closed: the child ends with _exit(0)
    return std::string(store->finish(id, "completed", kResult, "", 5000) ? "finished" : "lost");
  });
  ASSERT_EQ(child.exitCode, 0) << child.message;
  ASSERT_EQ(child.message, "finished");
  EXPECT_TRUE(fs::exists(path + "-wal")) << "the child's commit should still be in the log";

  TaskStore store(path, {});
  auto t = store.find(id);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->state, "completed");
  EXPECT_EQ(t->resultJson, kResult);
  EXPECT_EQ(t->endedMs, 5000);
}

TEST(TaskStore, FinishedResultSurvivesSigkillRightAfterFinishReturns) {
  TempDir dir;
  std::string path = dir.file("tasks.db");
  std::string id;
  {
    TaskStore store(path, {});
    id = store.create(submission()).task.id;
  }
  ChildResult child = inChild(
      [&] {
        auto* store = new TaskStore(path, {});
        return std::string(
            store->finish(id, "failed", R"({"status":"failed"})", "", 6000) ? "finished" : "lost");
      },
      /*killAfterAnswer=*/true);
  ASSERT_EQ(child.message, "finished");
  EXPECT_EQ(child.exitCode, -1) << "the child should have been killed";

  TaskStore store(path, {});
  EXPECT_EQ(store.find(id)->state, "failed");
  EXPECT_EQ(store.find(id)->resultJson, R"({"status":"failed"})");
}

TEST(TaskStore, MarkInterruptedFailsRunningTasksAndLeavesFinishedOnes) {
  TempDir dir;
  std::string path = dir.file("tasks.db");
  std::string submitted, working, waiting, done;
  {
    TaskStore store(path, {});
    submitted = store.create(submission()).task.id;
    working = store.create(submission()).task.id;
    waiting = store.create(submission()).task.id;
    done = store.create(submission()).task.id;
    store.setState(working, "working", 1000);
    store.setState(waiting, "input-required", 1000);
    store.appendEvent(working, "progress", R"({"text":"half way"})", 1100);
    store.finish(done, "completed", kResult, "", 1200);
  }
  TaskStore store(path, {});
  EXPECT_EQ(store.markInterrupted(9000), 3u);
  for (const auto& id : {submitted, working, waiting}) {
    auto t = store.find(id);
    EXPECT_EQ(t->state, "failed");
    EXPECT_EQ(t->resultJson,
              R"({"status":"failed","response":"node restarted while the task ran"})");
    EXPECT_EQ(t->endedMs, 9000);
    auto events = store.eventsAfter(id, 0, 100);
    ASSERT_FALSE(events.empty());
    EXPECT_EQ(events.back().type, "state");
    EXPECT_TRUE(contains(events.back().dataJson, R"("state":"failed")")) << events.back().dataJson;
    EXPECT_TRUE(contains(events.back().dataJson, "node restarted while the task ran"));
  }
  EXPECT_EQ(store.eventsAfter(working, 0, 100).size(), 2u);
  auto finished = store.find(done);
  EXPECT_EQ(finished->state, "completed");
  EXPECT_EQ(finished->resultJson, kResult);
  EXPECT_EQ(finished->endedMs, 1200);
  EXPECT_TRUE(store.eventsAfter(done, 0, 100).empty());
  EXPECT_EQ(store.markInterrupted(9500), 0u);
}

// --- events -----------------------------------------------------------------------------------

TEST(TaskStore, EventSeqsAreMonotonicPerTaskAndTheTailIsBoundedWhileSeqKeepsCounting) {
  TempDir dir;
  TaskRetention retention;
  retention.eventsPerTask = 5;
  TaskStore store(dir.file("tasks.db"), retention);
  std::string a = store.create(submission()).task.id, b = store.create(submission()).task.id;
  for (std::int64_t i = 1; i <= 12; ++i)
    EXPECT_EQ(store.appendEvent(a, "progress", "{\"i\":" + std::to_string(i) + "}", 100 + i), i);
  EXPECT_EQ(store.appendEvent(b, "progress", "{}", 200), 1);

  auto events = store.eventsAfter(a, 0, 100);
  ASSERT_EQ(events.size(), 5u);
  for (std::size_t i = 0; i < events.size(); ++i) {
    EXPECT_EQ(events[i].seq, static_cast<std::int64_t>(8 + i));
    EXPECT_EQ(events[i].type, "progress");
    EXPECT_EQ(events[i].dataJson, "{\"i\":" + std::to_string(8 + i) + "}");
    EXPECT_EQ(events[i].atMs, static_cast<std::int64_t>(108 + i));
  }
  EXPECT_EQ(rawCount(dir.file("tasks.db"), "SELECT count(*) FROM task_events"), 6);
  EXPECT_EQ(store.appendEvent(TaskStore::newTaskId(), "progress", "{}", 300), 0);
}

TEST(TaskStore, EventSeqIsNeverReusedAfterReopen) {
  TempDir dir;
  TaskRetention retention;
  retention.eventsPerTask = 2;
  std::string id;
  {
    TaskStore store(dir.file("tasks.db"), retention);
    id = store.create(submission()).task.id;
    for (int i = 0; i < 4; ++i)
      store.appendEvent(id, "progress", "{}", 100);
  }
  TaskStore store(dir.file("tasks.db"), retention);
  EXPECT_EQ(store.appendEvent(id, "state", R"({"state":"working"})", 200), 5);
  EXPECT_EQ(store.firstRetainedSeq(id), 4);
}

TEST(TaskStore, ConcurrentAppendsGetDistinctConsecutiveSeqs) {
  TempDir dir;
  TaskStore store(dir.file("tasks.db"), {});
  std::string id = store.create(submission()).task.id;
  std::vector<std::vector<std::int64_t>> seqs(8);
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < 8; ++i)
    threads.emplace_back([&, i] {
      for (int j = 0; j < 50; ++j)
        seqs[i].push_back(store.appendEvent(id, "progress", "{}", 100));
    });
  for (auto& t : threads)
    t.join();
  std::set<std::int64_t> all;
  for (const auto& s : seqs)
    all.insert(s.begin(), s.end());
  EXPECT_EQ(all.size(), 400u);
  EXPECT_EQ(*all.begin(), 1);
  EXPECT_EQ(*all.rbegin(), 400);
}

TEST(TaskStore, EventsAfterAndFirstRetainedSeqLetAResumeDetectTheTrimmedTail) {
  TempDir dir;
  TaskRetention retention;
  retention.eventsPerTask = 5;
  TaskStore store(dir.file("tasks.db"), retention);
  std::string id = store.create(submission()).task.id;
  EXPECT_EQ(store.firstRetainedSeq(id), 1) << "no event yet: the next seq";
  for (int i = 0; i < 12; ++i)
    store.appendEvent(id, "progress", "{}", 100);

  // A client that saw up to 7 resumes without a gap: 8 is the first one retained.
  EXPECT_EQ(store.firstRetainedSeq(id), 8);
  auto rest = store.eventsAfter(id, 7, 100);
  ASSERT_EQ(rest.size(), 5u);
  EXPECT_EQ(rest.front().seq, 8);
  EXPECT_EQ(rest.back().seq, 12);
  // One that saw up to 3 lost 4..7: 3 + 1 < firstRetainedSeq.
  EXPECT_LT(3 + 1, store.firstRetainedSeq(id));
  // Paging.
  auto page = store.eventsAfter(id, 9, 2);
  ASSERT_EQ(page.size(), 2u);
  EXPECT_EQ(page[0].seq, 10);
  EXPECT_EQ(page[1].seq, 11);
  EXPECT_TRUE(store.eventsAfter(id, 12, 100).empty());
  EXPECT_EQ(store.firstRetainedSeq(TaskStore::newTaskId()), 0);
}

// --- retention --------------------------------------------------------------------------------

TEST(TaskStore, PruneDeletesFinishedTasksOlderThanMaxAgeWithTheirEventsAndChildren) {
  TempDir dir;
  std::string path = dir.file("tasks.db");
  TaskRetention retention;
  retention.maxAgeMs = 1000;
  std::string old, recent, running;
  {
    TaskStore store(path, retention);
    TaskRecord t = submission();
    t.createdMs = 10;
    old = store.create(t).task.id;
    recent = store.create(t).task.id;
    running = store.create(t).task.id; // started long ago, still running
    store.appendEvent(old, "progress", "{}", 20);
    store.addChild(old, {"beta", "b1", "writer"});
    store.appendEvent(running, "progress", "{}", 20);
    store.finish(old, "completed", kResult, "", 1000);
    store.finish(recent, "completed", kResult, "", 5000);

    EXPECT_EQ(store.prune(5500), 1u);
    EXPECT_FALSE(store.find(old));
    EXPECT_TRUE(store.find(recent));
    EXPECT_TRUE(store.find(running));
    EXPECT_EQ(store.eventsAfter(running, 0, 10).size(), 1u);
    EXPECT_EQ(store.prune(5500), 0u);
  }
  EXPECT_EQ(rawCount(path, "SELECT count(*) FROM task_events"), 1);
  EXPECT_EQ(rawCount(path, "SELECT count(*) FROM task_children"), 0);
}

TEST(TaskStore, PruneKeepsTheNewestMaxFinishedAndNeverTouchesRunningTasks) {
  TempDir dir;
  TaskRetention retention;
  retention.maxFinished = 3;
  TaskStore store(dir.file("tasks.db"), retention);
  std::vector<std::string> finished;
  for (int i = 1; i <= 5; ++i) {
    std::string id = store.create(submission()).task.id;
    store.finish(id, "completed", kResult, "", 100 * i);
    finished.push_back(id);
  }
  std::string running1 = store.create(submission()).task.id;
  std::string running2 = store.create(submission()).task.id;
  store.setState(running2, "working", 50);

  EXPECT_EQ(store.prune(600), 2u);
  EXPECT_FALSE(store.find(finished[0]));
  EXPECT_FALSE(store.find(finished[1]));
  for (std::size_t i = 2; i < 5; ++i)
    EXPECT_TRUE(store.find(finished[i]));
  EXPECT_TRUE(store.find(running1));
  EXPECT_TRUE(store.find(running2));
}

// 10,000 finished tasks with five events each (about 70 MB of journal) must not cost more
// SQLite memory than the 2 MB page cache, the schema and the prepared statements: the bound,
// 4 MiB, is that plus as much again for the page headers, lookaside and one 64 KiB row.
TEST(TaskStore, TenThousandFinishedTasksWithEventsKeepSqliteMemoryBounded) {
  TempDir dir;
  std::string path = dir.file("tasks.db");
  const std::string request = R"({"toAgent":"echo","message":")" + std::string(2000, 'x') + "\"}";
  const std::string progress = R"({"text":")" + std::string(500, 'y') + "\"}";
  std::int64_t before = sqlite3_memory_used();
  sqlite3_memory_highwater(1);
  {
    TaskStore store(path, {});
    TaskRecord t = submission();
    t.requestJson = request;
    std::vector<std::string> ids;
    for (int i = 0; i < 10000; ++i) {
      t.createdMs = 1000 + i;
      ids.push_back(store.create(t).task.id);
      for (int e = 0; e < 5; ++e)
        store.appendEvent(ids.back(), "progress", progress, 1000 + i);
    }
    // One durable transaction ends them all: one fsync, so the test's time does not depend on
    // the disk (10,000 finish() calls cost 1.6 s here, minutes on a disk that really syncs).
    ASSERT_EQ(store.markInterrupted(20000), 10000u);
    EXPECT_EQ(store.list("", "failed", 50).size(), 50u);
    for (int i = 0; i < 10000; i += 97) {
      ASSERT_TRUE(store.find(ids[static_cast<std::size_t>(i)]));
      ASSERT_EQ(store.eventsAfter(ids[static_cast<std::size_t>(i)], 0, 10).size(), 6u);
    }
    EXPECT_EQ(store.prune(20000), 0u);
    std::int64_t used = sqlite3_memory_used() - before;
    std::int64_t peak = sqlite3_memory_highwater(0) - before;
    std::cout << "[ measured ] sqlite3 memory with 10,000 finished tasks: " << used / 1024
              << " KiB in use, " << peak / 1024 << " KiB at the peak; journal "
              << fs::file_size(path) / (1024 * 1024) << " MiB + log "
              << (fs::exists(path + "-wal") ? fs::file_size(path + "-wal") / 1024 : 0) << " KiB\n";
    EXPECT_GT(peak, 0) << "SQLite was built without memory statistics";
    EXPECT_LT(peak, 4 * 1024 * 1024);
  }
  EXPECT_GT(fs::file_size(path), 40u * 1024 * 1024) << "the data set should dwarf the bound";
}

TEST(TaskStore, JournalAndItsLogAreOwnerOnly) {
  TempDir dir;
  std::string path = dir.file("state/tasks.db");
  TaskStore store(path, {});
  store.create(submission());
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(::stat((path + "-wal").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

// --- files it refuses -------------------------------------------------------------------------

TEST(TaskStoreHostileFiles, SymbolicLinkIsRefusedEvenToARealJournal) {
  TempDir dir;
  { TaskStore real(dir.file("real.db"), {}); }
  fs::create_symlink(dir.file("real.db"), dir.file("tasks.db"));
  std::string error = openError(dir.file("tasks.db"));
  EXPECT_TRUE(contains(error, dir.file("tasks.db") + " is a symbolic link, not a regular file"))
      << error;
  EXPECT_TRUE(contains(error, "mesh.state_dir")) << error;
  fs::create_symlink("/dev/zero", dir.file("zero.db"));
  EXPECT_TRUE(contains(openError(dir.file("zero.db")), "is a symbolic link"));
}

TEST(TaskStoreHostileFiles, FifoIsRefusedWithoutBlocking) {
  TempDir dir;
  ASSERT_EQ(::mkfifo(dir.file("tasks.db").c_str(), 0600), 0);
  ChildResult r = inChild([&] { return openError(dir.file("tasks.db")); });
  ASSERT_FALSE(r.timedOut) << "opening the journal blocked on a FIFO";
  EXPECT_TRUE(contains(r.message, dir.file("tasks.db") + " is a FIFO, not a regular file"))
      << r.message;
}

TEST(TaskStoreHostileFiles, DirectoryIsRefused) {
  TempDir dir;
  fs::create_directory(dir.file("tasks.db"));
  std::string error = openError(dir.file("tasks.db"));
  EXPECT_TRUE(contains(error, dir.file("tasks.db") + " is a directory, not a regular file"))
      << error;
}

TEST(TaskStoreHostileFiles, TruncatedJournalIsRefusedAsUnreadable) {
  TempDir dir;
  std::string path = dir.file("tasks.db");
  {
    TaskStore store(path, {});
    TaskRecord t = submission();
    t.requestJson = R"({"message":")" + std::string(3000, 'z') + "\"}";
    for (int i = 0; i < 200; ++i)
      store.create(t);
  }
  ASSERT_FALSE(fs::exists(path + "-wal")) << "closing should have checkpointed the log";
  auto size = fs::file_size(path);
  ASSERT_GT(size, 400u * 1024);
  fs::resize_file(path, size / 2);
  std::string error = openError(path);
  EXPECT_TRUE(contains(error, path + " is not a readable task journal")) << error;
  EXPECT_TRUE(contains(error, "move it away to start with an empty task history")) << error;
}

TEST(TaskStoreHostileFiles, FileOfRandomBytesIsRefusedAndLeftAsItWas) {
  TempDir dir;
  std::string path = dir.file("tasks.db");
  std::string bytes = randomBytes(64 * 1024);
  writeFile(path, bytes);
  std::string error = openError(path);
  EXPECT_TRUE(contains(error, path + " is not a readable task journal")) << error;
  EXPECT_TRUE(contains(error, "move it away")) << error;
  EXPECT_EQ(readFile(path), bytes);
}

TEST(TaskStoreHostileFiles, TextFileIsRefusedAndLeftAsItWas) {
  TempDir dir;
  std::string path = dir.file("tasks.db");
  const std::string text = "mesh:\n  name: alpha\n  state_dir: /var/lib/rivet\n";
  writeFile(path, text);
  std::string error = openError(path);
  EXPECT_TRUE(contains(error, path + " is not a readable task journal")) << error;
  EXPECT_EQ(readFile(path), text);
}

TEST(TaskStoreHostileFiles, JournalOfANewerSchemaIsRefused) {
  TempDir dir;
  std::string path = dir.file("tasks.db");
  { TaskStore store(path, {}); }
  rawSql(path, "PRAGMA user_version = 99");
  std::string before = readFile(path);
  std::string error = openError(path);
  EXPECT_TRUE(contains(error, path + " was written by a newer rivetd")) << error;
  EXPECT_TRUE(contains(error, "schema 99")) << error;
  EXPECT_EQ(readFile(path), before);
}

TEST(TaskStoreHostileFiles, DatabaseOfAnotherProgramIsRefusedAndLeftAsItWas) {
  TempDir dir;
  std::string path = dir.file("tasks.db");
  rawSql(path, "CREATE TABLE moz_places (id INTEGER PRIMARY KEY, url TEXT);"
               "INSERT INTO moz_places (url) VALUES ('https://example.org')");
  std::string before = readFile(path);
  std::string error = openError(path);
  EXPECT_TRUE(contains(error, path + " is a SQLite database of another program")) << error;
  EXPECT_TRUE(contains(error, "moz_places")) << error;
  EXPECT_EQ(readFile(path), before);
  EXPECT_FALSE(fs::exists(path + "-wal"));
}

TEST(TaskStoreHostileFiles, EmptyFileBecomesANewJournal) {
  TempDir dir;
  writeFile(dir.file("tasks.db"), "");
  TaskStore store(dir.file("tasks.db"), {});
  EXPECT_TRUE(store.create(submission()).created);
}

// --- field bounds -----------------------------------------------------------------------------

TEST(TaskStoreValidation, InvalidIdsAreRefusedNamingTheField) {
  TempDir dir;
  TaskStore store(dir.file("tasks.db"), {});
  TaskRecord t = submission();
  t.id = "not-hex";
  EXPECT_TRUE(contains(invalidArgument([&] { store.create(t); }), "task field id"));
  t.id = "4BF92F3577B34DA6A3CE929D0E0E4736"; // upper case
  EXPECT_TRUE(contains(invalidArgument([&] { store.create(t); }), "task field id"));
  std::string shortId(31, 'a');
  EXPECT_TRUE(contains(invalidArgument([&] { store.find(shortId); }), "task field id"));
  EXPECT_TRUE(contains(invalidArgument([&] { store.setState("", "working", 1); }), "id"));
  EXPECT_TRUE(contains(invalidArgument([&] { store.appendEvent("x", "progress", "{}", 1); }),
                       "task field id"));
  t = submission();
  t.traceId = "xyz";
  EXPECT_TRUE(contains(invalidArgument([&] { store.create(t); }), "task field traceId"));
  t = submission();
  t.parentId = "xyz";
  EXPECT_TRUE(contains(invalidArgument([&] { store.create(t); }), "task field parentId"));
  TaskRecord explicitId = submission();
  explicitId.id = TaskStore::newTaskId();
  EXPECT_EQ(store.create(explicitId).task.id, explicitId.id);
  std::string id = store.create(submission()).task.id;
  TaskRecord duplicate = submission();
  duplicate.id = id;
  EXPECT_TRUE(contains(invalidArgument([&] { store.create(duplicate); }), "task field id"));
}

TEST(TaskStoreValidation, UnknownAndMisplacedStatesAreRefused) {
  TempDir dir;
  TaskStore store(dir.file("tasks.db"), {});
  std::string id = store.create(submission()).task.id;
  TaskRecord t = submission();
  t.state = "running";
  EXPECT_TRUE(contains(invalidArgument([&] { store.create(t); }), "task field state 'running'"));
  EXPECT_TRUE(contains(invalidArgument([&] { store.setState(id, "done", 1); }), "state"));
  EXPECT_TRUE(contains(invalidArgument([&] { store.setState(id, "completed", 1); }), "terminal"));
  EXPECT_TRUE(
      contains(invalidArgument([&] { store.finish(id, "working", "{}", "", 1); }), "not terminal"));
  EXPECT_TRUE(contains(invalidArgument([&] { store.list("", "Completed", 10); }), "state"));
  EXPECT_EQ(store.find(id)->state, "submitted");
}

TEST(TaskStoreValidation, OversizedFieldsAreRefusedNamingTheFieldAndLimitsAreAccepted) {
  TempDir dir;
  TaskStore store(dir.file("tasks.db"), {});
  auto withField = [](std::string TaskRecord::*field, std::size_t bytes) {
    TaskRecord t = submission();
    t.*field = std::string(bytes, 'k');
    return t;
  };
  EXPECT_TRUE(store.create(withField(&TaskRecord::idempotencyKey, TaskStore::kMaxKey)).created);
  EXPECT_TRUE(contains(invalidArgument([&] {
                         store.create(
                             withField(&TaskRecord::idempotencyKey, TaskStore::kMaxKey + 1));
                       }),
                       "task field idempotencyKey is 257 bytes"));
  EXPECT_TRUE(contains(invalidArgument([&] {
                         store.create(withField(&TaskRecord::caller, TaskStore::kMaxCaller + 1));
                       }),
                       "task field caller"));
  EXPECT_TRUE(contains(invalidArgument([&] { store.create(withField(&TaskRecord::caller, 0)); }),
                       "task field caller is empty"));
  EXPECT_TRUE(contains(invalidArgument([&] { store.create(withField(&TaskRecord::agent, 0)); }),
                       "task field agent"));
  EXPECT_TRUE(store.create(withField(&TaskRecord::requestJson, TaskStore::kMaxJson)).created);
  EXPECT_TRUE(contains(invalidArgument([&] {
                         store.create(withField(&TaskRecord::requestJson, TaskStore::kMaxJson + 1));
                       }),
                       "task field requestJson"));

  std::string id = store.create(submission()).task.id;
  std::string bigResult(TaskStore::kMaxJson + 1, 'r');
  EXPECT_TRUE(contains(invalidArgument([&] { store.finish(id, "completed", bigResult, "", 1); }),
                       "task field resultJson"));
  std::string bigEvent(TaskStore::kMaxEventData + 1, 'e');
  EXPECT_TRUE(contains(invalidArgument([&] { store.appendEvent(id, "progress", bigEvent, 1); }),
                       "task field event data"));
  bigEvent.pop_back();
  EXPECT_EQ(store.appendEvent(id, "progress", bigEvent, 1), 1);
  EXPECT_TRUE(contains(invalidArgument([&] { store.appendEvent(id, "", "{}", 1); }),
                       "task field event type"));
  EXPECT_TRUE(contains(invalidArgument([&] {
                         store.addChild(id, {"", "c1", "a"});
                       }),
                       "task field child.node"));
  EXPECT_EQ(store.find(id)->state, "submitted");
}
