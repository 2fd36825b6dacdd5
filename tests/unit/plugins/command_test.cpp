// The command agent, driven through its descriptor by the SDK's fake host, running real child
// processes (/bin/sh, cat, printf, sleep) the way rivetd would.
#include <rivet/sdk/plugin.hpp>
#include <rivet/sdk/testing/fake_host.hpp>

#include <gtest/gtest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

using rivet::sdk::testing::AgentReply;
using rivet::sdk::testing::FakeHost;
using rivet::sdk::testing::PluginHarness;

namespace {

using Clock = std::chrono::steady_clock;

std::string jsonText(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\')
      out += '\\';
    out += c;
  }
  return out + "\"";
}

// Settings JSON: {"argv": [...], <extra>}.
std::string settings(std::initializer_list<std::string> argv, const std::string& extra = "") {
  std::string json = "{\"argv\":[";
  bool first = true;
  for (const auto& a : argv) {
    json += (first ? "" : ",") + jsonText(a);
    first = false;
  }
  return json + "]" + (extra.empty() ? "" : "," + extra) + "}";
}

long long msSince(Clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
}

// An agent instance from `configJson`, created and started.
struct Agent {
  explicit Agent(const std::string& configJson, const std::string& id = "runner")
      : host(id, configJson), harness(&rivet_plugin_entry, host) {
    harness.create();
    harness.start();
  }
  FakeHost host;
  PluginHarness harness;
};

// The plugin's refusal message for `configJson`, or "" if it was created.
std::string refusal(const std::string& configJson) {
  FakeHost host("runner", configJson);
  PluginHarness harness(&rivet_plugin_entry, host);
  try {
    harness.create();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}

// Runs a task the test builds itself (chain depth, a cancellation flag set from another
// thread), which PluginHarness::handle cannot express.
class DirectAgent {
public:
  explicit DirectAgent(FakeHost& host) : d_(rivet_plugin_entry(RIVET_ABI_MAJOR, RIVET_ABI_MINOR)) {
    std::string err;
    rivet_writer w = rivet::sdk::stringWriter(err);
    if (d_->create(host.api(), &instance_, &w) != RIVET_OK)
      throw std::runtime_error(err);
  }
  ~DirectAgent() { d_->destroy(instance_); }
  DirectAgent(const DirectAgent&) = delete;
  DirectAgent& operator=(const DirectAgent&) = delete;

  AgentReply handle(const rivet_task& task) {
    AgentReply reply{RIVET_TASK_FAILED, {}};
    rivet_writer w = rivet::sdk::stringWriter(reply.text);
    reply.status = static_cast<const rivet_agent_ops*>(d_->ops)->handle(instance_, &task, &w);
    return reply;
  }

private:
  const rivet_plugin_descriptor* d_;
  void* instance_ = nullptr;
};

rivet_str str(const std::string& s) {
  return {s.data(), s.size()};
}

// rivetd blocks these in every thread; a child must not inherit that.
class DaemonSignalMask {
public:
  DaemonSignalMask() {
    sigset_t set;
    sigemptyset(&set);
    for (int s : {SIGINT, SIGTERM, SIGHUP, SIGQUIT})
      sigaddset(&set, s);
    pthread_sigmask(SIG_BLOCK, &set, &previous_);
  }
  ~DaemonSignalMask() { pthread_sigmask(SIG_SETMASK, &previous_, nullptr); }

private:
  sigset_t previous_;
};

struct TempDir {
  TempDir() {
    char pattern[] = "/tmp/rivet-command-test-XXXXXX";
    path = ::mkdtemp(pattern);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  std::string path;
};

// Gone: no such process, or a zombie awaiting a reaper that is not us (in a container PID 1
// may never reap orphans; a zombie runs nothing and holds nothing).
bool isGone(pid_t pid) {
  if (::kill(pid, 0) == -1)
    return true;
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  std::getline(stat, line);
  size_t close = line.rfind(')');
  return close != std::string::npos && close + 2 < line.size() && line[close + 2] == 'Z';
}

bool goneWithin(pid_t pid, int ms) {
  const auto end = Clock::now() + std::chrono::milliseconds(ms);
  while (!isGone(pid)) {
    if (Clock::now() > end)
      return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

void expectNoChildrenLeft() {
  errno = 0;
  EXPECT_EQ(::waitpid(-1, nullptr, WNOHANG), -1) << "an unreaped child is left";
  EXPECT_EQ(errno, ECHILD);
}

std::vector<pid_t> readPids(const std::string& file) {
  std::vector<pid_t> pids;
  for (int i = 0; i < 100 && pids.size() < 2; ++i) {
    std::ifstream in(file);
    pids.clear();
    pid_t pid;
    while (in >> pid)
      pids.push_back(pid);
    if (pids.size() < 2)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return pids;
}

} // namespace

// --- answers ---------------------------------------------------------------------------------

TEST(CommandAgent, AnswersWithTheStdoutOfAProgramGivenTheTaskOnStdin) {
  Agent a(settings({"/bin/cat"}));
  auto reply = a.harness.handle("review this diff, please");
  EXPECT_EQ(reply.status, RIVET_TASK_COMPLETED);
  EXPECT_EQ(reply.text, "review this diff, please");
  EXPECT_EQ(a.harness.handle("").text, "");
}

TEST(CommandAgent, TrimsOneTrailingNewlineOnly) {
  Agent a(settings({"/usr/bin/printf", "two lines\\n\\n"}));
  auto reply = a.harness.handle("ignored");
  EXPECT_EQ(reply.status, RIVET_TASK_COMPLETED);
  EXPECT_EQ(reply.text, "two lines\n");
}

TEST(CommandAgent, FindsArgv0InPathAndReportsItsBasenameAsModel) {
  Agent a(settings({"cat"}));
  EXPECT_EQ(a.harness.describe(), R"({"provider":"command","model":"cat"})");
  EXPECT_EQ(a.harness.handle("from PATH").text, "from PATH");
}

TEST(CommandAgent, ReportsTheConfiguredProviderAndModel) {
  Agent a(settings({"/bin/cat"}, R"("provider":"local-llm","model":"reviewer-2")"));
  EXPECT_EQ(a.harness.describe(), R"({"provider":"local-llm","model":"reviewer-2"})");
}

TEST(CommandAgent, GivesTheProgramTheTaskContextInItsEnvironment) {
  ::setenv("RIVET_COMMAND_TEST_INHERITED", "inherited", 1);
  FakeHost host("reviewer", settings({"/bin/sh", "-c",
                                      "echo \"$RIVET_FROM_AGENT|$RIVET_MODEL|$RIVET_CHAIN_DEPTH|"
                                      "$RIVET_AGENT_ID|$GREETING|$RIVET_COMMAND_TEST_INHERITED\""},
                                     R"("env":{"GREETING":"hello","RETRIES":3})"));
  DirectAgent agent(host);
  const std::string id = "reviewer", from = "opus", message = "hi", model = "gpt-x";
  rivet_task task{};
  task.struct_size = sizeof task;
  task.agent_id = str(id);
  task.from_agent = str(from);
  task.message = str(message);
  task.model = str(model);
  task.chain_depth = 2;
  task.timeout_ms = 10000;
  auto reply = agent.handle(task);
  EXPECT_EQ(reply.status, RIVET_TASK_COMPLETED);
  EXPECT_EQ(reply.text, "opus|gpt-x|2|reviewer|hello|inherited");
  ::unsetenv("RIVET_COMMAND_TEST_INHERITED");
}

TEST(CommandAgent, TellsTheProgramTheConfiguredModelWhenTheTaskNamesNone) {
  Agent a(settings({"/bin/sh", "-c", "echo $RIVET_FROM_AGENT $RIVET_CHAIN_DEPTH $RIVET_MODEL"},
                   R"("model":"house-model")"));
  EXPECT_EQ(a.harness.handle("x", "sonnet").text, "sonnet 0 house-model");
}

TEST(CommandAgent, RunsInTheConfiguredWorkingDirectory) {
  TempDir dir;
  Agent a(settings({"/bin/pwd"}, "\"cwd\":" + jsonText(dir.path)));
  EXPECT_EQ(a.harness.handle("").text, std::filesystem::canonical(dir.path).string());
}

TEST(CommandAgent, StartsTheProgramWithAnEmptySignalMaskAndDefaultActions) {
  DaemonSignalMask daemonMask;
  struct sigaction ignore {};
  ignore.sa_handler = SIG_IGN;
  struct sigaction previous {};
  ::sigaction(SIGUSR2, &ignore, &previous); // an ignored signal stays ignored across exec
  Agent a(settings({"/bin/cat", "/proc/self/status"}));
  auto reply = a.harness.handle("");
  ::sigaction(SIGUSR2, &previous, nullptr);
  ASSERT_EQ(reply.status, RIVET_TASK_COMPLETED);
  EXPECT_NE(reply.text.find("SigBlk:\t0000000000000000\n"), std::string::npos) << reply.text;
  // glibc's posix_spawn leaves its two internal signals (32 and 33) ignored; nothing else may be.
  const size_t at = reply.text.find("SigIgn:\t");
  ASSERT_NE(at, std::string::npos);
  const unsigned long long ignored = std::stoull(reply.text.substr(at + 8, 16), nullptr, 16);
  EXPECT_EQ(ignored & ~((1ULL << 31) | (1ULL << 32)), 0u) << reply.text;
}

// --- failures --------------------------------------------------------------------------------

TEST(CommandAgent, ReportsANonZeroExitAsFailedWithTheTailOfStderr) {
  Agent a(settings({"/bin/sh", "-c",
                    "echo partial answer; i=0; while [ $i -lt 400 ]; do "
                    "echo \"noise line $i\" >&2; i=$((i+1)); done; "
                    "echo 'fatal: bad input' >&2; exit 3"}));
  auto reply = a.harness.handle("x");
  EXPECT_EQ(reply.status, RIVET_TASK_FAILED);
  const std::string prefix = "command /bin/sh exited with status 3: ";
  ASSERT_EQ(reply.text.rfind(prefix, 0), 0u) << reply.text;
  EXPECT_LE(reply.text.size() - prefix.size(), 2048u);
  EXPECT_EQ(reply.text.substr(reply.text.size() - 16), "fatal: bad input");
  EXPECT_EQ(reply.text.find("noise line 0\n"), std::string::npos);
  EXPECT_EQ(reply.text.find("partial answer"), std::string::npos);
}

TEST(CommandAgent, SaysSoWhenAFailingProgramWroteNothingToStderr) {
  Agent a(settings({"/bin/sh", "-c", "exit 7"}));
  auto reply = a.harness.handle("x");
  EXPECT_EQ(reply.status, RIVET_TASK_FAILED);
  EXPECT_EQ(reply.text, "command /bin/sh exited with status 7 and wrote nothing to stderr");
}

TEST(CommandAgent, NamesTheSignalThatKilledTheProgram) {
  Agent a(settings({"/bin/sh", "-c", "kill -USR1 $$"}));
  auto reply = a.harness.handle("x");
  EXPECT_EQ(reply.status, RIVET_TASK_FAILED);
  EXPECT_EQ(reply.text, "command /bin/sh was killed by SIGUSR1");
}

TEST(CommandAgent, ReportsAProgramThatCannotBeStartedAnyMore) {
  TempDir dir;
  const std::string program = dir.path + "/tool";
  std::filesystem::copy_file("/bin/true", program);
  Agent a(settings({program}));
  std::filesystem::remove(program);
  auto reply = a.harness.handle("x");
  EXPECT_EQ(reply.status, RIVET_TASK_FAILED);
  EXPECT_EQ(reply.text.rfind("command " + program + " could not be started: ", 0), 0u)
      << reply.text;
}

// --- output cap ------------------------------------------------------------------------------

TEST(CommandAgent, CapsTheOutputAndSaysWhereItWasCut) {
  Agent a(settings({"/bin/sh", "-c", "head -c 300000 /dev/zero | tr '\\0' x"},
                   R"("max_output_bytes":1000)"));
  auto reply = a.harness.handle("x");
  EXPECT_EQ(reply.status, RIVET_TASK_COMPLETED);
  EXPECT_EQ(reply.text, std::string(1000, 'x') + "\n[output truncated at 1000 bytes]");
}

TEST(CommandAgent, CutsTruncatedOutputOnACharacterBoundary) {
  Agent a(settings({"/usr/bin/printf", "\xC3\xA9\xC3\xA9\xC3\xA9"}, R"("max_output_bytes":5)"));
  EXPECT_EQ(a.harness.handle("x").text, "\xC3\xA9\xC3\xA9\n[output truncated at 5 bytes]");
}

TEST(CommandAgent, KeepsOutputExactlyAtTheCap) {
  Agent a(settings({"/usr/bin/printf", "12345"}, R"("max_output_bytes":5)"));
  EXPECT_EQ(a.harness.handle("x").text, "12345");
}

// --- deadline and cancellation ---------------------------------------------------------------

TEST(CommandAgent, DeadlineKillsAChildThatIgnoresSigtermAndItsGrandchild) {
  TempDir dir;
  const std::string pids = dir.path + "/pids";
  // The shell ignores SIGTERM, and so does the grandchild it starts (ignoring survives exec).
  Agent a(settings({"/bin/sh", "-c", "trap '' TERM; sleep 1000 & echo $$ $! > " + pids + "; wait"},
                   R"("timeout_ms":300,"kill_grace_ms":200)"));
  DaemonSignalMask daemonMask;
  const auto start = Clock::now();
  auto reply = a.harness.handle("x");
  const auto elapsed = msSince(start);

  EXPECT_EQ(reply.status, RIVET_TASK_TIMEOUT);
  EXPECT_EQ(reply.text, "command /bin/sh did not finish within 300 ms; killed its process group");
  EXPECT_GE(elapsed, 300 + 200); // SIGTERM was ignored: SIGKILL came only after the grace
  EXPECT_LT(elapsed, 2000);
  auto pidList = readPids(pids);
  ASSERT_EQ(pidList.size(), 2u) << "the script did not record its pids";
  EXPECT_TRUE(goneWithin(pidList[0], 2000)) << "the shell " << pidList[0] << " is alive";
  EXPECT_TRUE(goneWithin(pidList[1], 2000)) << "the grandchild " << pidList[1] << " is alive";
  expectNoChildrenLeft();
}

TEST(CommandAgent, DeadlineStopsAChildThatHonoursSigtermWithoutWaitingForTheGrace) {
  Agent a(settings({"sleep", "1000"}, R"("timeout_ms":300,"kill_grace_ms":5000)"));
  DaemonSignalMask daemonMask; // the child must not inherit it, or SIGTERM would wait 5 s
  const auto start = Clock::now();
  auto reply = a.harness.handle("x");
  EXPECT_EQ(reply.status, RIVET_TASK_TIMEOUT);
  EXPECT_LT(msSince(start), 1500);
  expectNoChildrenLeft();
}

TEST(CommandAgent, DeadlineIsTheTighterOfTheTasksAndTimeoutMs) {
  Agent capped(settings({"sleep", "5"}, R"("timeout_ms":300)"));
  auto reply = capped.harness.handle("x", "tester", "", 60000);
  EXPECT_EQ(reply.status, RIVET_TASK_TIMEOUT);
  EXPECT_EQ(reply.text, "command sleep did not finish within 300 ms; killed its process group");

  Agent loose(settings({"sleep", "5"}, R"("timeout_ms":60000)"));
  reply = loose.harness.handle("x", "tester", "", 250);
  EXPECT_EQ(reply.status, RIVET_TASK_TIMEOUT);
  EXPECT_EQ(reply.text, "command sleep did not finish within 250 ms; killed its process group");
}

TEST(CommandAgent, CancellationKillsTheProgramPromptly) {
  FakeHost host("runner", settings({"sleep", "1000"}));
  DirectAgent agent(host);
  std::atomic<bool> cancelled{false};
  const std::string message = "x";
  rivet_task task{};
  task.struct_size = sizeof task;
  task.message = str(message);
  task.timeout_ms = 60000;
  task.host_data = &cancelled;
  task.is_cancelled = [](const rivet_task* t) -> int {
    return static_cast<const std::atomic<bool>*>(t->host_data)->load() ? 1 : 0;
  };
  std::thread canceller([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    cancelled = true;
  });
  const auto start = Clock::now();
  auto reply = agent.handle(task);
  canceller.join();
  EXPECT_EQ(reply.status, RIVET_TASK_FAILED);
  EXPECT_EQ(reply.text, "command sleep was cancelled; killed its process group");
  EXPECT_LT(msSince(start), 1000);
  expectNoChildrenLeft();
}

TEST(CommandAgent, ReturnsOnceTheProgramExitsEvenIfABackgroundChildHoldsItsOutput) {
  TempDir dir;
  const std::string pidFile = dir.path + "/bg";
  Agent a(settings({"/bin/sh", "-c", "sleep 30 & echo $! $! > " + pidFile + "; echo done"},
                   R"("timeout_ms":5000)"));
  const auto start = Clock::now();
  auto reply = a.harness.handle("x");
  EXPECT_EQ(reply.status, RIVET_TASK_COMPLETED);
  EXPECT_EQ(reply.text, "done");
  EXPECT_LT(msSince(start), 2000);
  for (pid_t pid : readPids(pidFile))
    ::kill(pid, SIGKILL);
  expectNoChildrenLeft();
}

// --- pipes -----------------------------------------------------------------------------------

TEST(CommandAgent, LargeInputToAProgramThatWritesLargeOutputFirstDoesNotDeadlock) {
  Agent a(settings({"/bin/sh", "-c", "head -c 2097152 /dev/zero | tr '\\0' a; wc -c"},
                   R"("timeout_ms":10000,"max_output_bytes":4194304)"));
  const std::string input(2 * 1024 * 1024, 'q');
  auto reply = a.harness.handle(input);
  ASSERT_EQ(reply.status, RIVET_TASK_COMPLETED) << reply.text.substr(0, 200);
  EXPECT_EQ(reply.text, std::string(2097152, 'a') + "2097152");
}

TEST(CommandAgent, AProgramThatClosesItsStdinEarlyStillAnswers) {
  Agent a(settings({"/bin/sh", "-c", "exec 0<&-; echo ok"}));
  auto reply = a.harness.handle(std::string(1024 * 1024, 'q')); // EPIPE must not kill us
  EXPECT_EQ(reply.status, RIVET_TASK_COMPLETED);
  EXPECT_EQ(reply.text, "ok");
}

TEST(CommandAgent, RunsConcurrentTasksEachWithItsOwnProcess) {
  Agent a(settings({"/bin/sh", "-c", "sleep 0.3; cat"}));
  constexpr int kTasks = 8;
  std::vector<AgentReply> replies(kTasks);
  std::vector<std::thread> threads;
  const auto start = Clock::now();
  for (int i = 0; i < kTasks; ++i)
    threads.emplace_back([&, i] { replies[i] = a.harness.handle("task " + std::to_string(i)); });
  for (auto& t : threads)
    t.join();
  EXPECT_LT(msSince(start), 8 * 300 / 2); // they overlapped
  for (int i = 0; i < kTasks; ++i) {
    EXPECT_EQ(replies[i].status, RIVET_TASK_COMPLETED);
    EXPECT_EQ(replies[i].text, "task " + std::to_string(i));
  }
  expectNoChildrenLeft();
}

// --- settings --------------------------------------------------------------------------------

TEST(CommandAgent, RefusesToStartWithoutArgv) {
  EXPECT_NE(refusal("{}").find("needs an argv setting"), std::string::npos) << refusal("{}");
  EXPECT_NE(refusal(R"({"argv":[]})").find("argv is empty"), std::string::npos);
  EXPECT_NE(refusal(R"({"argv":"cat"})").find("argv must be a list of strings"), std::string::npos);
  EXPECT_NE(refusal(R"({"argv":["cat",1]})").find("argv[1] must be a string"), std::string::npos);
}

TEST(CommandAgent, RefusesAnArgv0ItCannotRun) {
  const std::string missing = refusal(settings({"no-such-program-rivet"}));
  EXPECT_NE(missing.find("argv[0] 'no-such-program-rivet' was not found as an executable in PATH"),
            std::string::npos)
      << missing;
  const std::string notExecutable = refusal(settings({"/etc/passwd"}));
  EXPECT_NE(notExecutable.find("argv[0] '/etc/passwd' cannot be run: not executable"),
            std::string::npos)
      << notExecutable;
  const std::string directory = refusal(settings({"/tmp"}));
  EXPECT_NE(directory.find("argv[0] '/tmp' cannot be run: not a regular file"), std::string::npos)
      << directory;
  const std::string relative = refusal(settings({"bin/tool"}));
  EXPECT_NE(relative.find("argv[0] 'bin/tool' is a relative path"), std::string::npos) << relative;
}

TEST(CommandAgent, RefusesBadSettingsNamingTheKey) {
  EXPECT_NE(refusal(settings({"/bin/cat"}, R"("timeout_ms":"soon")"))
                .find("timeout_ms must be a positive number of milliseconds, got 'soon'"),
            std::string::npos);
  EXPECT_NE(refusal(settings({"/bin/cat"}, R"("max_output_bytes":0)")).find("max_output_bytes"),
            std::string::npos);
  EXPECT_NE(refusal(settings({"/bin/cat"}, R"("kill_grace_ms":-1)")).find("kill_grace_ms"),
            std::string::npos);
  EXPECT_NE(refusal(settings({"/bin/cat"}, R"("cwd":"/no/such/dir")")).find("cwd '/no/such/dir'"),
            std::string::npos);
  EXPECT_NE(refusal(settings({"/bin/cat"}, R"("env":{"A":[1]})")).find("env.A must be"),
            std::string::npos);
  EXPECT_NE(refusal(settings({"/bin/cat"}, R"("env":["A=1"])")).find("env must be a map"),
            std::string::npos);
  EXPECT_EQ(refusal(settings({"/bin/cat"}, R"("timeout_ms":"60000","kill_grace_ms":0)")), "");
}

TEST(CommandAgent, WarnsAboutUnknownSettingsButStarts) {
  Agent a(settings({"/bin/cat"}, R"("colour":"blue")"), "reviewer");
  bool warned = false;
  for (const auto& line : a.host.logs)
    warned |= line.level == RIVET_LOG_WARN && line.message.find("'colour'") != std::string::npos &&
              line.message.find("reviewer") != std::string::npos;
  EXPECT_TRUE(warned);
  EXPECT_EQ(a.harness.handle("still works").text, "still works");
}

namespace {

std::vector<std::string> progressOf(const FakeHost& host) {
  std::vector<std::string> out;
  for (const auto& p : host.progressSoFar())
    out.push_back(p.kind + ":" + p.text);
  return out;
}

} // namespace

TEST(CommandAgent, EachLineOnStderrIsAProgressLineOfTheTask) {
  Agent agent(settings(
      {"/bin/sh", "-c", "printf 'one\\n\\r\\ntwo\\r\\n' >&2; echo answer; printf 'last' >&2"}));
  AgentReply reply = agent.harness.handle("x");
  EXPECT_EQ(reply.status, RIVET_TASK_COMPLETED) << reply.text;
  EXPECT_EQ(reply.text, "answer");
  // CRLF ends a line too; blank lines are not progress; the unterminated last line still is.
  EXPECT_EQ(progressOf(agent.host),
            (std::vector<std::string>{"status:one", "status:two", "status:last"}));
}

TEST(CommandAgent, ALineWithoutEndComesInBoundedPieces) {
  // 10,000 bytes without a line break, then one: pieces of 4096 bytes, never one huge event.
  Agent agent(settings({"/bin/sh", "-c", "head -c 10000 /dev/zero | tr '\\0' x >&2; echo >&2"}));
  AgentReply reply = agent.harness.handle("x");
  EXPECT_EQ(reply.status, RIVET_TASK_COMPLETED) << reply.text;
  std::vector<size_t> sizes;
  for (const auto& p : agent.host.progressSoFar())
    sizes.push_back(p.text.size());
  EXPECT_EQ(sizes, (std::vector<size_t>{4096, 4096, 1808}));
}

TEST(CommandAgent, StderrLinesArriveWhileTheProgramStillRuns) {
  Agent agent(settings({"/bin/sh", "-c", "echo started >&2; sleep 1; echo done"}));
  std::thread run([&] { agent.harness.handle("x"); });
  auto start = Clock::now();
  while (agent.host.progressSoFar().empty() && msSince(start) < 5000)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_LT(msSince(start), 900) << "the line came only when the program ended";
  run.join();
  EXPECT_EQ(progressOf(agent.host), (std::vector<std::string>{"status:started"}));
}

TEST(CommandAgent, PiecesOfALongLineNeverSplitACharacter) {
  // 4095 ASCII bytes and then "é" (two bytes) across the 4096-byte limit: the first piece ends
  // before the character, the second starts with it.
  Agent agent(
      settings({"/bin/sh", "-c",
                "head -c 4095 /dev/zero | tr '\\0' x >&2; printf '\\303\\251tail\\n' >&2"}));
  agent.harness.handle("x");
  auto p = agent.host.progressSoFar();
  ASSERT_EQ(p.size(), 2u);
  EXPECT_EQ(p[0].text, std::string(4095, 'x'));
  EXPECT_EQ(p[1].text, "\xc3\xa9tail");
}

TEST(CommandAgent, StderrProgressCanBeTurnedOff) {
  Agent agent(settings({"/bin/sh", "-c", "echo secret >&2; echo ok"}, "\"stderr_progress\":false"));
  EXPECT_EQ(agent.harness.handle("x").text, "ok");
  EXPECT_TRUE(agent.host.progressSoFar().empty());
  EXPECT_NE(refusal(settings({"/bin/true"}, "\"stderr_progress\":\"yes\"")).find("stderr_progress"),
            std::string::npos);
}
