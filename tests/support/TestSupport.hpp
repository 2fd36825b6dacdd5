// Helpers for tests: temporary folders, files, and real child processes (run to completion or
// kept running as a daemon), always stopped by pid.
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <vector>

namespace rivet::test {

// A fresh folder under /tmp, removed with everything in it on destruction.
class TempDir {
public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

private:
  std::string path_;
};

void writeFile(const std::string& path, const std::string& content);
std::string readFile(const std::string& path);
bool contains(const std::string& haystack, const std::string& needle);
// `data` as one chunk of a chunked body (HTTP/1.1 chunked transfer coding).
std::string chunk(const std::string& data);

struct RunResult {
  int exitCode = -1; // -1 when killed by a signal or the timeout
  bool timedOut = false;
  std::string out;
  std::string err;
};

using Env = std::map<std::string, std::string>;

// Runs argv[0] (a path) to completion; `env` adds to or replaces the inherited environment.
RunResult run(const std::vector<std::string>& argv, const Env& env = {},
              std::chrono::milliseconds timeout = std::chrono::seconds(60),
              const std::string& cwd = "");

// A long-running child (rivetd). Its stderr and stdout go to a file that tests can poll.
class Process {
public:
  Process(const std::vector<std::string>& argv, const Env& env = {}, const std::string& cwd = "");
  ~Process(); // SIGKILL if still running
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  int pid() const { return pid_; }
  std::string output() const; // stdout and stderr so far
  // Waits until the output contains `text`; false on timeout or exit.
  bool waitForOutput(const std::string& text,
                     std::chrono::milliseconds timeout = std::chrono::seconds(10));
  bool running();
  void signal(int sig);
  // Sends SIGTERM and waits; returns the exit code (-1 if it had to be killed).
  int stop(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // Waits for the process to exit by itself; returns the exit code or -1 on timeout.
  int wait(std::chrono::milliseconds timeout = std::chrono::seconds(10));

private:
  int pid_ = -1;
  int exitCode_ = -1;
  bool exited_ = false;
  std::string logPath_;
};

std::string binPath(const std::string& program);  // build/bin/<program>
std::string pluginDir();                          // the build tree's plugin folder
std::string fixturePath(const std::string& file); // build/tests/fixtures/<file>
// The pinned A2A SDK's node_modules (scripts/install-a2a-test-deps.sh, run by `make test`), or ""
// when it is not installed: a test that needs it then skips, saying how to install it.
std::string a2aTestModules();
std::string sourcePath(const std::string& relative);

} // namespace rivet::test
