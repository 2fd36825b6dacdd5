// The probe: /proc/self/exe started once with a marker argument that a constructor in this file
// recognises before main() (as runc's nsexec does); that single-threaded process forks per file.
#include "plugin/PluginProbe.hpp"

#include "plugin/PluginLoader.hpp"
#include "plugin/ProbeHost.hpp"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <mutex>
#include <optional>
#include <poll.h>
#include <spawn.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

extern char** environ;

namespace rivet::plugin {
namespace {

constexpr const char* kProbeFlag = "--rivet-plugin-probe";
constexpr int kReportFd = 3;
// The report: stage bytes as the child gets there, then one status byte and its message.
constexpr char kStageLoad = 'L';
constexpr char kStageCreate = 'C';
constexpr char kLoaded = 'K';
constexpr char kRefused = 'R';
constexpr char kCreateFailed = 'F';

void report(const std::string& bytes) {
  const char* p = bytes.data();
  size_t left = bytes.size();
  while (left > 0) {
    ssize_t n = ::write(kReportFd, p, left);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return;
    p += n;
    left -= static_cast<size_t>(n);
  }
}

rivet_writer stringWriter(std::string& s) {
  return {&s, [](void* ctx, const char* data, size_t len) {
            static_cast<std::string*>(ctx)->append(data, len);
          }};
}

// create() and destroy() of one instance; the status byte and message to report.
std::string createOnce(const rivet_plugin_descriptor* d, const char* instanceName,
                       const char* settingsJson) {
  ProbeHost host(instanceName, settingsJson);
  std::string message;
  rivet_writer w = stringWriter(message);
  void* instance = nullptr;
  int rc = RIVET_ERROR;
  try {
    rc = d->create(host.api(), &instance, &w);
  } catch (const std::exception& e) {
    return kCreateFailed +
           std::string("threw a C++ exception across the plugin ABI in create(): ") + e.what();
  } catch (...) {
    return kCreateFailed + std::string("threw an exception across the plugin ABI in create()");
  }
  if (rc != RIVET_OK || !instance) {
    if (message.empty())
      message = host.warnings().empty() ? "the plugin gave no reason" : host.warnings();
    return kCreateFailed + message;
  }
  try {
    d->destroy(instance);
  } catch (...) {
    return kCreateFailed + std::string("threw an exception across the plugin ABI in destroy()");
  }
  return std::string(1, kLoaded);
}

// argv: two unused, then shown path, file, "load" | "create", instance name, settings JSON.
int probeMain(char** argv) {
  report(std::string(1, kStageLoad));
  const rivet_plugin_descriptor* d = nullptr;
  try {
    void* handle = nullptr;
    d = openPluginFile(argv[2], argv[3], &handle);
  } catch (const std::exception& e) {
    report(kRefused + std::string(e.what()));
    return 0;
  }
  if (std::strcmp(argv[4], "create") != 0) {
    report(std::string(1, kLoaded));
    return 0;
  }
  report(std::string(1, kStageCreate));
  report(createOnce(d, argv[5], argv[6]));
  return 0;
}

// Frames on the socket: a request is five strings (shown path, file, mode, instance name,
// settings), each a 32-bit length and its bytes; a reply is timed-out, wait status, report.
// Reads exactly `len` bytes; false on EOF, error, or once `deadline` (if given) has passed.
bool readAll(int fd, void* out, size_t len,
             std::optional<std::chrono::steady_clock::time_point> deadline = std::nullopt) {
  auto* p = static_cast<char*>(out);
  while (len > 0) {
    if (deadline) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          *deadline - std::chrono::steady_clock::now());
      pollfd pfd{fd, POLLIN, 0};
      if (left.count() <= 0 || ::poll(&pfd, 1, static_cast<int>(left.count())) == 0)
        return false;
    }
    ssize_t n = ::read(fd, p, len);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return false;
    p += n;
    len -= static_cast<size_t>(n);
  }
  return true;
}

bool sendAll(int fd, const std::string& bytes) {
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::send(fd, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

void appendU32(std::string& out, uint32_t v) {
  out.append(reinterpret_cast<const char*>(&v), sizeof v);
}

// In the probe server: one forked child per request, its report collected under the deadline.
std::string probeInChild(std::vector<std::string>& args) {
  int fds[2];
  std::string reply(1, '\0');
  int32_t status = 0;
  std::string report;
  if (::pipe2(fds, O_CLOEXEC) == 0) {
    pid_t pid = ::fork();
    if (pid == 0) {
      // A crash of the file under test is this child's death by its signal, also in a sanitizer
      // build, whose handlers would turn it into an ordinary exit.
      for (int sig : {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT})
        std::signal(sig, SIG_DFL);
      ::dup2(fds[1], kReportFd); // replaces the server's socket in this child
      std::vector<char*> argv = {nullptr, nullptr};
      for (auto& a : args)
        argv.push_back(a.data());
      ::_exit(probeMain(argv.data()));
    }
    ::close(fds[1]);
    auto deadline = std::chrono::steady_clock::now() + kProbeTimeout;
    char buf[4096];
    while (pid > 0) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) {
        reply[0] = 1;
        ::kill(pid, SIGKILL);
        break;
      }
      pollfd p{fds[0], POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0)
        continue; // EINTR or the deadline, checked above
      ssize_t got = ::read(fds[0], buf, sizeof buf);
      if (got < 0 && errno == EINTR)
        continue;
      if (got <= 0)
        break;
      report.append(buf, static_cast<size_t>(got));
    }
    ::close(fds[0]);
    int ws = 0;
    while (pid > 0 && ::waitpid(pid, &ws, 0) < 0 && errno == EINTR) {
    }
    status = pid > 0 ? ws : (127 << 8);
  }
  reply.append(reinterpret_cast<const char*>(&status), sizeof status);
  appendU32(reply, static_cast<uint32_t>(report.size()));
  return reply + report;
}

[[noreturn]] void serveProbes() {
  for (;;) {
    std::vector<std::string> args;
    for (int i = 0; i < 5; ++i) {
      uint32_t len = 0;
      if (!readAll(kReportFd, &len, sizeof len) || len > (64u << 20))
        ::_exit(0); // the host went away
      std::string a(len, '\0');
      if (!readAll(kReportFd, a.data(), len))
        ::_exit(0);
      args.push_back(std::move(a));
    }
    if (!sendAll(kReportFd, probeInChild(args)))
      ::_exit(0);
  }
}

// glibc passes (argc, argv, envp) to constructors. The server never loads a plugin itself, so it
// stays single-threaded and each fork is safe; children _exit, so no static destructor runs.
__attribute__((constructor)) void runProbeServerWhenAsked(int argc, char** argv, char**) {
  if (argc == 2 && argv[1] && std::strcmp(argv[1], kProbeFlag) == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    serveProbes();
  }
}

struct Outcome {
  std::string report; // what the child wrote
  int waitStatus = 0;
  bool timedOut = false;
};

// The host's side: one probe server per process, started on first use, restarted if it died.
class ProbeServer {
public:
  ~ProbeServer() { end(); }

  Outcome ask(const std::string& shownPath, const std::vector<std::string>& request) {
    std::lock_guard<std::mutex> lock(mutex_);
    std::string frame;
    for (const auto& a : request) {
      appendU32(frame, static_cast<uint32_t>(a.size()));
      frame += a;
    }
    if (fd_ < 0 || !sendAll(fd_, frame)) { // not started, or died since: (re)start once
      end();
      begin(shownPath);
      if (!sendAll(fd_, frame))
        fail(shownPath, "cannot send it the file");
    }
    Outcome out;
    char timedOut = 0;
    int32_t status = 0;
    uint32_t len = 0;
    if (!receive(&timedOut, 1) || !receive(&status, sizeof status) || !receive(&len, sizeof len))
      fail(shownPath, "it ended without an answer");
    out.report.resize(len);
    if (!receive(out.report.data(), len))
      fail(shownPath, "it ended without an answer");
    out.timedOut = timedOut != 0;
    out.waitStatus = status;
    return out;
  }

  void warm() {
    std::lock_guard<std::mutex> lock(mutex_);
    if (fd_ < 0)
      begin("(none yet)");
  }

private:
  void begin(const std::string& shownPath) {
    int fds[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0)
      throw LoadError("could not check '" + shownPath + "': socketpair: " + std::strerror(errno));
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, fds[1], kReportFd);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addclosefrom_np(&actions, kReportFd + 1);
    std::string name = "rivet-plugin-probe", flag = kProbeFlag;
    char* argv[] = {name.data(), flag.data(), nullptr};
    int rc = posix_spawn(&pid_, "/proc/self/exe", &actions, nullptr, argv, environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(fds[1]);
    if (rc != 0) {
      ::close(fds[0]);
      pid_ = -1;
      throw LoadError("could not check '" + shownPath +
                      "': cannot start the plugin probe: " + std::strerror(rc));
    }
    fd_ = fds[0];
  }

  bool receive(void* out, size_t len) {
    return readAll(fd_, out, len,
                   std::chrono::steady_clock::now() + kProbeTimeout + std::chrono::seconds(5));
  }

  [[noreturn]] void fail(const std::string& shownPath, const std::string& why) {
    end();
    throw LoadError("could not check '" + shownPath + "': the plugin probe failed (" + why +
                    "); rivetd did not load the file");
  }

  void end() {
    if (fd_ >= 0)
      ::close(fd_);
    fd_ = -1;
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      while (::waitpid(pid_, nullptr, 0) < 0 && errno == EINTR) {
      }
    }
    pid_ = -1;
  }

  std::mutex mutex_;
  int fd_ = -1;
  pid_t pid_ = -1;
};

ProbeServer& probeServer() {
  static ProbeServer server;
  return server;
}

Outcome spawnProbe(const std::string& shownPath, const std::string& file, const std::string& mode,
                   const std::string& instanceName, const std::string& settingsJson) {
  return probeServer().ask(shownPath, {shownPath, file, mode, instanceName, settingsJson});
}

std::string signalName(int sig) {
  const char* abbrev = sigabbrev_np(sig);
  const char* text = strsignal(sig);
  return (abbrev ? "SIG" + std::string(abbrev) : "signal " + std::to_string(sig)) +
         (text ? " (" + std::string(text) + ")" : "");
}

// The status byte and message of a finished probe; throws LoadError for a crash or a hang.
std::pair<char, std::string> interpret(const std::string& shownPath, const Outcome& out) {
  char stage = 0;
  size_t i = 0;
  while (i < out.report.size() && (out.report[i] == kStageLoad || out.report[i] == kStageCreate))
    stage = out.report[i++];
  const std::string during = stage == kStageCreate
                                 ? "in create()"
                                 : "while being loaded (dlopen and " RIVET_ENTRY_SYMBOL ")";
  if (i < out.report.size())
    return {out.report[i], out.report.substr(i + 1)};
  const std::string file = "'" + shownPath + "'";
  if (out.timedOut)
    throw LoadError(file + " did not finish " + (stage == kStageCreate ? "create()" : "loading") +
                    " within " + std::to_string(kProbeTimeout.count() / 1000) +
                    " s in the plugin probe and was not loaded: something in it hangs");
  if (WIFSIGNALED(out.waitStatus))
    throw LoadError(file + " crashed the plugin probe with " +
                    signalName(WTERMSIG(out.waitStatus)) + " " + during +
                    ": the file is damaged or not a working plugin; rebuild it " +
                    "and copy it again (rivetd did not load it)");
  throw LoadError(file + " ended the plugin probe with exit status " +
                  std::to_string(WEXITSTATUS(out.waitStatus)) + " " + during +
                  " without a report: the plugin exits the process it is loaded into");
}

} // namespace

void startProbeServer() {
  try {
    probeServer().warm();
  } catch (const LoadError&) {
    // the first probe tries again and reports why
  }
}

void probePlugin(const std::string& shownPath, const std::string& file) {
  auto [status, message] = interpret(shownPath, spawnProbe(shownPath, file, "load", "", "{}"));
  if (status != kLoaded)
    throw LoadError(message);
}

std::string probeCreate(const std::string& shownPath, const std::string& file,
                        const std::string& instanceName, const std::string& settingsJson) {
  auto [status, message] =
      interpret(shownPath, spawnProbe(shownPath, file, "create", instanceName, settingsJson));
  if (status == kRefused)
    throw LoadError(message);
  return status == kLoaded ? "" : message;
}

} // namespace rivet::plugin
