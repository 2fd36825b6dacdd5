// rivetd under systemd's Type=notify: READY=1 to $NOTIFY_SOCKET once the node answers ping,
// RELOADING=1 then READY=1 around SIGHUP, STOPPING=1 at shutdown; a NOTIFY_SOCKET that cannot
// be used (missing, too long, not a socket, nobody reading) is a WARN naming it, never fatal.
#include "MeshNode.hpp"

#include <gtest/gtest.h>

#include <cstddef>
#include <cstring>
#include <fcntl.h>
#include <optional>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

using namespace rivet::test;

namespace {

// What systemd's manager does: a Unix datagram socket, a file path or an abstract name ('@').
class NotifyListener {
public:
  explicit NotifyListener(const std::string& name) : name_(name) {
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, name.data(), name.size());
    if (name[0] == '@')
      addr.sun_path[0] = '\0';
    auto len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + name.size());
    bound_ = ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), len) == 0;
  }
  ~NotifyListener() { ::close(fd_); }
  bool bound() const { return bound_; }
  int fd() const { return fd_; }

  // The next datagram, or nothing within `timeout`.
  std::optional<std::string> receive(std::chrono::milliseconds timeout = 15s) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(timeout.count())) != 1)
      return std::nullopt;
    char buffer[4096];
    ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
    return n < 0 ? std::nullopt : std::optional<std::string>(std::string(buffer, n));
  }

private:
  std::string name_;
  int fd_ = -1;
  bool bound_ = false;
};

std::string abstractName() {
  static int counter = 0;
  return "@rivet-readiness-" + std::to_string(::getpid()) + "-" + std::to_string(++counter);
}

// A mesh node on loopback with an echo agent and a command agent printing its NOTIFY_SOCKET.
class Readiness : public ::testing::Test {
protected:
  Readiness() {
    NodeSettings s = nodeSettings(pki_);
    s.agentsYaml = "agents:\n  echo:\n    plugin: echo\n" +
                   commandAgent("env", "echo \"NOTIFY_SOCKET=$${NOTIFY_SOCKET-unset}\"");
    config_ = writeNodeConfig(dir_, s);
  }
  std::unique_ptr<Process> start(const std::string& notifySocket) {
    return std::make_unique<Process>(
        std::vector<std::string>{binPath("rivetd"), "--config", config_},
        Env{{"NOTIFY_SOCKET", notifySocket}});
  }
  RunResult rivetctl(std::vector<std::string> args) {
    args.insert(args.begin(), {binPath("rivetctl"), "--config", config_});
    return run(args, {}, 15s);
  }

  // The node starts and serves as without NOTIFY_SOCKET, with one WARN naming the socket.
  void expectServesWithWarning(const std::string& socket, const std::string& reason) {
    auto rivetd = start(socket);
    ASSERT_TRUE(rivetd->waitForOutput("Node node-a ready")) << rivetd->output();
    RunResult ping = rivetctl({"ping"});
    EXPECT_EQ(ping.exitCode, 0) << ping.err;
    EXPECT_TRUE(logged(rivetd->output(), "WARN", "NOTIFY_SOCKET=" + socket + ": " + reason))
        << rivetd->output();
    EXPECT_EQ(rivetd->stop(15s), 0) << rivetd->output();
  }

  TestPki pki_;
  TempDir dir_;
  std::string config_;
};

TEST_F(Readiness, ReadyArrivesOnlyOnceTheNodeAnswersPingThenReloadingAndStopping) {
  NotifyListener systemd(dir_.file("notify.sock"));
  ASSERT_TRUE(systemd.bound());
  auto rivetd = start(dir_.file("notify.sock"));
  auto first = systemd.receive();
  ASSERT_TRUE(first) << rivetd->output();
  EXPECT_EQ(*first, "READY=1");
  RunResult ping = rivetctl({"ping"}); // right away: ready means serving
  EXPECT_EQ(ping.exitCode, 0) << ping.err << rivetd->output();
  EXPECT_TRUE(contains(ping.out, "node-a")) << ping.out;

  rivetd->signal(SIGHUP);
  auto reloading = systemd.receive();
  ASSERT_TRUE(reloading) << rivetd->output();
  EXPECT_EQ(reloading->rfind("RELOADING=1\nMONOTONIC_USEC=", 0), 0u) << *reloading;
  EXPECT_EQ(systemd.receive().value_or("nothing"), "READY=1") << rivetd->output();
  EXPECT_TRUE(rivetd->waitForOutput("SIGHUP: reloading TLS material")) << rivetd->output();

  rivetd->signal(SIGTERM);
  EXPECT_EQ(systemd.receive().value_or("nothing"), "STOPPING=1") << rivetd->output();
  EXPECT_EQ(rivetd->wait(15s), 0) << rivetd->output();
  EXPECT_FALSE(systemd.receive(200ms)) << "nothing after STOPPING=1";
}

TEST_F(Readiness, AbstractSocketNameAndAgentProgramsDoNotInheritIt) {
  std::string name = abstractName();
  NotifyListener systemd(name);
  ASSERT_TRUE(systemd.bound());
  auto rivetd = start(name);
  EXPECT_EQ(systemd.receive().value_or("nothing"), "READY=1") << rivetd->output();
  // With NotifyAccess=all an agent program could speak for rivetd; it never sees the socket.
  RunResult r = rivetctl({"send", "env", "x"});
  EXPECT_EQ(r.exitCode, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "NOTIFY_SOCKET=unset")) << r.out;
  EXPECT_EQ(rivetd->stop(15s), 0) << rivetd->output();
  EXPECT_EQ(systemd.receive().value_or("nothing"), "STOPPING=1");
}

TEST_F(Readiness, CheckConfigSendsNothing) {
  NotifyListener systemd(dir_.file("notify.sock"));
  RunResult r = run({binPath("rivetd"), "--config", config_, "--check-config"},
                    {{"NOTIFY_SOCKET", dir_.file("notify.sock")}});
  EXPECT_EQ(r.exitCode, 0) << r.err;
  EXPECT_FALSE(systemd.receive(300ms)); // ExecStartPre's run is not the service being ready
}

TEST_F(Readiness, MissingSocketIsAWarning) {
  std::string path = dir_.file("no-such.sock");
  expectServesWithWarning(path, "sending READY=1 failed: No such file or directory");
}

TEST_F(Readiness, RegularFileIsAWarning) {
  std::string path = dir_.file("plain-file");
  writeFile(path, "not a socket");
  expectServesWithWarning(path, "sending READY=1 failed: Connection refused");
}

TEST_F(Readiness, TooLongPathIsAWarning) {
  std::string path = "/" + std::string(200, 'x');
  expectServesWithWarning(path, "it is 201 bytes long");
}

TEST_F(Readiness, RelativePathIsAWarning) {
  expectServesWithWarning("notify.sock",
                          "it is neither an absolute path nor an abstract socket name");
}

TEST_F(Readiness, SocketNobodyReadsNeitherBlocksStartNorStop) {
  std::string name = abstractName();
  NotifyListener stuck(name);
  ASSERT_TRUE(stuck.bound());
  // Fill its queue as a wedged manager would leave it.
  int sender = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path + 1, name.data() + 1, name.size() - 1);
  auto len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + name.size());
  int queued = 0;
  while (queued < 100000 &&
         ::sendto(sender, "x", 1, 0, reinterpret_cast<sockaddr*>(&addr), len) == 1)
    ++queued;
  ::close(sender);
  ASSERT_GT(queued, 0);
  expectServesWithWarning(name, "sending READY=1 failed: Resource temporarily unavailable");
}

} // namespace
