// Implementation of the test helpers: posix_spawn with output sent to files, waitpid polling.
#include "TestSupport.hpp"

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <spawn.h>
#include <sstream>
#include <stdexcept>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

extern char** environ;

namespace rivet::test {
namespace fs = std::filesystem;

TempDir::TempDir() {
  std::string pattern = (fs::temp_directory_path() / "rivet-test-XXXXXX").string();
  std::vector<char> buf(pattern.begin(), pattern.end());
  buf.push_back('\0');
  if (!mkdtemp(buf.data()))
    throw std::runtime_error("mkdtemp failed: " + std::string(std::strerror(errno)));
  path_ = buf.data();
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

void writeFile(const std::string& path, const std::string& content) {
  fs::create_directories(fs::path(path).parent_path());
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  if (!f)
    throw std::runtime_error("cannot write " + path);
  f << content;
}

std::string readFile(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

std::string chunk(const std::string& data) {
  char size[32];
  std::snprintf(size, sizeof size, "%zx\r\n", data.size());
  return size + data + "\r\n";
}

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

namespace {

std::vector<std::string> mergedEnv(const Env& extra) {
  std::map<std::string, std::string> all;
  for (char** e = environ; *e; ++e) {
    std::string kv = *e;
    auto eq = kv.find('=');
    if (eq != std::string::npos)
      all[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  for (const auto& [k, v] : extra)
    all[k] = v;
  std::vector<std::string> out;
  for (const auto& [k, v] : all)
    out.push_back(k + "=" + v);
  return out;
}

int spawn(const std::vector<std::string>& argv, const Env& env, const std::string& cwd,
          const std::string& outPath, const std::string& errPath) {
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 1, outPath.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (errPath == outPath)
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
  else
    posix_spawn_file_actions_addopen(&fa, 2, errPath.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (!cwd.empty())
    posix_spawn_file_actions_addchdir_np(&fa, cwd.c_str());
  std::vector<char*> args;
  for (const auto& a : argv)
    args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  auto envStrings = mergedEnv(env);
  std::vector<char*> envp;
  for (auto& e : envStrings)
    envp.push_back(e.data());
  envp.push_back(nullptr);
  pid_t pid = -1;
  int rc = posix_spawn(&pid, argv.at(0).c_str(), &fa, nullptr, args.data(), envp.data());
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0)
    throw std::runtime_error("cannot start " + argv[0] + ": " + std::strerror(rc));
  return pid;
}

// Polls waitpid; returns true and sets code once the child exited.
bool waitExit(int pid, std::chrono::milliseconds timeout, int& code) {
  auto until = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    int status = 0;
    int r = waitpid(pid, &status, WNOHANG);
    if (r == pid) {
      code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      return true;
    }
    if (std::chrono::steady_clock::now() >= until)
      return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

std::string tempLog(const std::string& tag) {
  std::string pattern = (fs::temp_directory_path() / ("rivet-" + tag + "-XXXXXX")).string();
  std::vector<char> buf(pattern.begin(), pattern.end());
  buf.push_back('\0');
  int fd = mkstemp(buf.data());
  if (fd < 0)
    throw std::runtime_error("mkstemp failed");
  close(fd);
  return buf.data();
}

} // namespace

RunResult run(const std::vector<std::string>& argv, const Env& env,
              std::chrono::milliseconds timeout, const std::string& cwd) {
  std::string out = tempLog("out"), err = tempLog("err");
  int pid = spawn(argv, env, cwd, out, err);
  RunResult r;
  int code = -1;
  if (!waitExit(pid, timeout, code)) {
    kill(pid, SIGKILL);
    waitExit(pid, std::chrono::seconds(5), code);
    r.timedOut = true;
    code = -1;
  }
  r.exitCode = code;
  r.out = readFile(out);
  r.err = readFile(err);
  fs::remove(out);
  fs::remove(err);
  return r;
}

Process::Process(const std::vector<std::string>& argv, const Env& env, const std::string& cwd)
    : logPath_(tempLog("proc")) {
  pid_ = spawn(argv, env, cwd, logPath_, logPath_);
}

Process::~Process() {
  if (!exited_ && pid_ > 0) {
    kill(pid_, SIGKILL);
    int code = 0;
    waitExit(pid_, std::chrono::seconds(5), code);
  }
  std::error_code ec;
  fs::remove(logPath_, ec);
}

std::string Process::output() const {
  return readFile(logPath_);
}

bool Process::waitForOutput(const std::string& text, std::chrono::milliseconds timeout) {
  auto until = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < until) {
    if (contains(output(), text))
      return true;
    if (!running())
      return contains(output(), text);
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

bool Process::running() {
  if (exited_)
    return false;
  int code = 0;
  if (waitExit(pid_, std::chrono::milliseconds(0), code)) {
    exited_ = true;
    exitCode_ = code;
  }
  return !exited_;
}

void Process::signal(int sig) {
  if (running())
    kill(pid_, sig);
}

int Process::wait(std::chrono::milliseconds timeout) {
  if (exited_)
    return exitCode_;
  int code = 0;
  if (!waitExit(pid_, timeout, code))
    return -1;
  exited_ = true;
  exitCode_ = code;
  return code;
}

int Process::stop(std::chrono::milliseconds timeout) {
  signal(SIGTERM);
  int code = wait(timeout);
  if (!exited_) {
    kill(pid_, SIGKILL);
    wait(std::chrono::seconds(5));
    return -1;
  }
  return code;
}

std::string binPath(const std::string& program) {
  return std::string(RIVET_BIN_DIR) + "/" + program;
}
std::string pluginDir() {
  return RIVET_PLUGIN_DIR;
}
std::string fixturePath(const std::string& file) {
  return std::string(RIVET_FIXTURE_DIR) + "/" + file;
}
std::string a2aTestModules() {
  const std::string modules = std::string(RIVET_BUILD_DIR) + "/a2a-test/node_modules";
  return std::filesystem::exists(modules + "/@a2a-js/sdk/package.json") ? modules : "";
}
std::string sourcePath(const std::string& relative) {
  return std::string(RIVET_SOURCE_DIR) + "/" + relative;
}

} // namespace rivet::test
