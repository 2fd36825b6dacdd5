// rivetctl's task commands (docs/cli.md) against real rivetd processes over mutual TLS: send
// --follow shows a task live and ends with its result, --detach leaves it running, tasks / task /
// cancel read and drive it, Ctrl-C cancels, a cut stream resumes without loss or repetition, and
// a hostile node (a TLS server of this test) gets a clear error instead of unbounded memory.
#include "MeshNode.hpp"

#include "rivet/sdk/json.hpp"

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <functional>
#include <mutex>
#include <regex>
#include <thread>

using namespace rivet::test;
using namespace std::chrono_literals;
namespace json = rivet::sdk::json;

namespace {

RunResult rivetctl(const std::string& config, std::vector<std::string> args,
                   std::chrono::milliseconds timeout = 30s) {
  std::vector<std::string> argv = {binPath("rivetctl"), "--config", config};
  argv.insert(argv.end(), args.begin(), args.end());
  return run(argv, {}, timeout);
}

json::Value parsed(const std::string& text) {
  auto v = json::tryParse(text);
  EXPECT_TRUE(v && v->isObject()) << text;
  return v ? *v : json::Value();
}

size_t count(const std::string& haystack, const std::string& needle) {
  size_t n = 0;
  for (size_t at = haystack.find(needle); at != std::string::npos;
       at = haystack.find(needle, at + needle.size()))
    ++n;
  return n;
}

// The id in rivetctl's first --follow line: "task <id> on agent@node".
std::string followedId(const std::string& output) {
  std::smatch m;
  return std::regex_search(output, m, std::regex("task ([0-9a-f]{32}) on ")) ? m[1].str() : "";
}

int listenOn(int& port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  ::listen(fd, 16);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  port = ntohs(addr.sin_port);
  return fd;
}

// Accepts connections on its own thread and hands each to `serve` on a thread of its own;
// stops by shutting the listener and every connection down.
class Acceptor {
public:
  explicit Acceptor(std::function<void(int)> serve) : serve_(std::move(serve)) {
    listen_ = listenOn(port_);
    thread_ = std::thread([this] {
      for (;;) {
        int fd = ::accept4(listen_, nullptr, nullptr, SOCK_CLOEXEC);
        if (fd < 0)
          return;
        std::lock_guard<std::mutex> lock(mutex_);
        fds_.push_back(fd);
        workers_.emplace_back([this, fd] { serve_(fd); });
      }
    });
  }
  ~Acceptor() {
    ::shutdown(listen_, SHUT_RDWR);
    thread_.join();
    cutAll();
    for (auto& w : workers_)
      w.join();
    for (int fd : fds_)
      ::close(fd);
    ::close(listen_);
  }
  int port() const { return port_; }
  // Every connection open now breaks (both ways), as when a network path goes away.
  void cutAll() {
    std::lock_guard<std::mutex> lock(mutex_);
    for (int fd : fds_)
      ::shutdown(fd, SHUT_RDWR);
    for (int fd : upstream_)
      ::shutdown(fd, SHUT_RDWR);
  }
  void addUpstream(int fd) {
    std::lock_guard<std::mutex> lock(mutex_);
    upstream_.push_back(fd);
  }

private:
  std::function<void(int)> serve_;
  int listen_ = -1, port_ = 0;
  std::thread thread_;
  std::mutex mutex_;
  std::vector<int> fds_, upstream_;
  std::vector<std::thread> workers_;
};

// A TCP relay to 127.0.0.1:`target` whose connections the test can cut.
class CuttingProxy {
public:
  explicit CuttingProxy(int target)
      : acceptor_([this, target](int client) {
          if (refuse_) { // as if the path to the node were still gone
            ::shutdown(client, SHUT_RDWR);
            return;
          }
          int up = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
          acceptor_.addUpstream(up);
          sockaddr_in addr{};
          addr.sin_family = AF_INET;
          addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
          addr.sin_port = htons(static_cast<uint16_t>(target));
          if (::connect(up, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
            return;
          pollfd p[2] = {{client, POLLIN, 0}, {up, POLLIN, 0}};
          char buf[16384];
          for (;;) {
            if (::poll(p, 2, 30000) <= 0)
              return;
            for (int i = 0; i < 2; ++i) {
              if (!p[i].revents)
                continue;
              ssize_t n = ::read(p[i].fd, buf, sizeof buf);
              if (n <= 0 || ::write(p[1 - i].fd, buf, static_cast<size_t>(n)) != n) {
                ::shutdown(client, SHUT_RDWR);
                ::shutdown(up, SHUT_RDWR);
                return;
              }
            }
          }
        }) {}
  int port() const { return acceptor_.port(); }
  void cutAll() { acceptor_.cutAll(); }
  // While true, every new connection is closed at once.
  void refuse(bool on) { refuse_ = on; }

private:
  std::atomic<bool> refuse_{false};
  Acceptor acceptor_;
};

// A "node" that speaks TLS with node-a's certificate and answers a submit with a task object,
// then its event stream with `events` (the raw bytes after the head, sent `step` bytes at a time).
class HostileNode {
public:
  HostileNode(const NodeSettings& s, std::string head, std::string events, size_t step = 0)
      : head_(std::move(head)), events_(std::move(events)), step_(step),
        acceptor_([this](int fd) { serve(fd); }) {
    ctx_.reset(SSL_CTX_new(TLS_server_method()));
    SSL_CTX_use_certificate_chain_file(ctx_.get(), s.certPath.c_str());
    SSL_CTX_use_PrivateKey_file(ctx_.get(), s.keyPath.c_str(), SSL_FILETYPE_PEM);
    ready_ = true;
  }
  ~HostileNode() {
    stopping_ = true;
    acceptor_.cutAll();
  }
  int port() const { return acceptor_.port(); }
  static constexpr const char* kTaskJson =
      R"({"id":"0123456789abcdef0123456789abcdef","state":"submitted","agent":"echo",)"
      R"("node":"node-a","caller":"cn:node-a","result":null,"children":[]})";

private:
  void serve(int fd) {
    while (!ready_)
      std::this_thread::yield();
    SSL* ssl = SSL_new(ctx_.get());
    SSL_set_fd(ssl, fd);
    std::string in;
    char buf[4096];
    if (SSL_accept(ssl) == 1) {
      while (in.find("\r\n\r\n") == std::string::npos) {
        int n = SSL_read(ssl, buf, sizeof buf);
        if (n <= 0)
          break;
        in.append(buf, static_cast<size_t>(n));
      }
      size_t headEnd = in.find("\r\n\r\n");
      std::smatch length;
      size_t want =
          std::regex_search(in, length, std::regex("Content-Length: *([0-9]+)", std::regex::icase))
              ? std::stoul(length[1].str())
              : 0;
      while (headEnd != std::string::npos && in.size() < headEnd + 4 + want) {
        int n = SSL_read(ssl, buf, sizeof buf);
        if (n <= 0)
          break;
        in.append(buf, static_cast<size_t>(n));
      }
      if (in.rfind("POST /api/tasks ", 0) == 0) {
        std::string body = kTaskJson;
        std::string out = "HTTP/1.1 202 Accepted\r\nContent-Type: application/json\r\n"
                          "Connection: close\r\nContent-Length: " +
                          std::to_string(body.size()) + "\r\n\r\n" + body;
        SSL_write(ssl, out.data(), static_cast<int>(out.size()));
      } else {
        std::string out = head_ + events_;
        size_t step = step_ ? step_ : out.size();
        for (size_t at = 0; at < out.size() && !stopping_; at += step)
          if (SSL_write(ssl, out.data() + at, static_cast<int>(std::min(step, out.size() - at))) <=
              0)
            break;
        while (!stopping_ && SSL_read(ssl, buf, sizeof buf) > 0) {
        } // hold the connection until the client goes
      }
    }
    SSL_shutdown(ssl);
    SSL_free(ssl);
  }

  std::string head_, events_;
  size_t step_;
  std::atomic<bool> ready_{false}, stopping_{false};
  std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> ctx_{nullptr, &SSL_CTX_free};
  Acceptor acceptor_; // last: its threads stop before the context goes
};

const std::string kStreamHead = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
                                "Transfer-Encoding: chunked\r\n\r\n";

class RivetctlTasks : public ::testing::Test {
protected:
  static void SetUpTestSuite() {
    pki_ = new TestPki;
    NodeSettings s = nodeSettings(*pki_, "node-a");
    s.agentsYaml =
        "agents:\n  echo:\n    plugin: echo\n" +
        commandAgent("talker", R"sh(echo "step one" >&2; sleep 0.2; echo "answer: $(cat)")sh") +
        commandAgent("sleeper", "exec sleep 30") +
        commandAgent("ticker", "for i in 1 2 3 4 5 6; do echo \"tick $i\" >&2; sleep "
                               "0.3; done; echo ticked");
    node_ = new NodeProcess(s);
  }
  static void TearDownTestSuite() {
    delete node_;
    delete pki_;
    node_ = nullptr;
    pki_ = nullptr;
  }
  void SetUp() override { ASSERT_TRUE(node_->ready()) << node_->output(); }

  static const std::string& config() { return node_->configPath(); }
  static json::Value taskJson(const std::string& id) {
    RunResult r = rivetctl(config(), {"task", id, "--json"});
    EXPECT_EQ(r.exitCode, 0) << r.err;
    return parsed(r.out);
  }
  static std::string stateOf(const std::string& id) {
    return taskJson(id).getString("state").value_or("");
  }
  // A config of node-a whose port is `port` (a proxy or a stand-in), with more `tasks:` keys.
  static std::string configAt(const TempDir& dir, int port, const std::string& tasksYaml = "") {
    NodeSettings s = node_->settings();
    s.port = port;
    s.tailYaml = tasksYaml.empty() ? "" : "tasks:\n" + tasksYaml;
    return writeNodeConfig(dir, s);
  }
  // Runs send --follow against a HostileNode answering `head` + `events`.
  static RunResult followHostile(const std::string& head, const std::string& events,
                                 size_t step = 0, const std::string& tasksYaml = "") {
    HostileNode hostile(node_->settings(), head, events, step);
    TempDir dir;
    return rivetctl(configAt(dir, hostile.port(), "  keepalive_ms: 500\n" + tasksYaml),
                    {"send", "echo", "hi", "--follow"}, 20s);
  }

  // send --follow against a stand-in that answers `head` + `events` ends with exit 1 and one
  // error line saying `why`.
  static void expectRefused(const std::string& head, const std::string& events,
                            const std::string& why) {
    RunResult r = followHostile(head, events);
    EXPECT_EQ(r.exitCode, 1) << r.err.substr(0, 2000);
    EXPECT_PRED2(contains, r.err, "rivetctl: the event stream of task ") << r.err.substr(0, 2000);
    EXPECT_PRED2(contains, r.err, why) << r.err.substr(0, 2000);
  }

  static TestPki* pki_;
  static NodeProcess* node_;
};

TestPki* RivetctlTasks::pki_ = nullptr;
NodeProcess* RivetctlTasks::node_ = nullptr;

} // namespace

TEST_F(RivetctlTasks, FollowShowsTheAgentsStatusLinesLiveAndEndsWithItsResult) {
  RunResult r = rivetctl(config(), {"send", "talker", "hello", "--follow"});
  EXPECT_EQ(r.exitCode, 0) << r.out << r.err;
  EXPECT_EQ(r.out, "answer: hello\n");
  EXPECT_PRED2(contains, r.err, "status talker@node-a: step one") << r.err;
  EXPECT_PRED2(contains, r.err, "state: working");
  EXPECT_LT(r.err.find("state: working"), r.err.find("step one")) << r.err;
  EXPECT_PRED2(contains, r.err, "completed in ") << r.err;
  EXPECT_EQ(count(r.err, "step one"), 1u) << r.err;
}

TEST_F(RivetctlTasks, FollowOfAFailingTaskExits1WithItsStatus) {
  RunResult r = rivetctl(config(), {"send", "nobody-here", "hello", "--follow"});
  EXPECT_EQ(r.exitCode, 1) << r.out << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_PRED2(contains, r.err, "rivetctl: ") << r.err;
}

TEST_F(RivetctlTasks, DetachPrintsTheIdAndTaskFindsItCompletedLater) {
  RunResult r = rivetctl(config(), {"send", "talker", "later", "--detach"});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  std::string id = r.out.substr(0, r.out.size() - 1);
  ASSERT_TRUE(std::regex_match(r.out, std::regex("[0-9a-f]{32}\n"))) << r.out;
  EXPECT_TRUE(eventually([&] { return stateOf(id) == "completed"; }, 10s));
  json::Value t = taskJson(id);
  EXPECT_EQ(t.getBool("cancelOnDisconnect"), false) << t.dump();
  RunResult shown = rivetctl(config(), {"task", id});
  EXPECT_EQ(shown.exitCode, 0) << shown.err;
  EXPECT_PRED2(contains, shown.out, "state       completed");
  EXPECT_PRED2(contains, shown.out, "agent       talker@node-a");
  EXPECT_PRED2(contains, shown.out, "answer: later");
}

TEST_F(RivetctlTasks, TasksByStateListsARunningTaskAndCancelEndsItAsCanceled) {
  RunResult d = rivetctl(config(), {"send", "sleeper", "zzz", "--detach"});
  ASSERT_EQ(d.exitCode, 0) << d.err;
  std::string id = d.out.substr(0, 32);
  ASSERT_TRUE(eventually([&] { return stateOf(id) == "working"; }, 5s));

  RunResult table = rivetctl(config(), {"tasks", "--state", "working"});
  EXPECT_EQ(table.exitCode, 0) << table.err;
  EXPECT_PRED2(contains, table.out, "ID ");
  std::smatch row;
  ASSERT_TRUE(std::regex_search(
      table.out, row, std::regex(id + " +working +sleeper +node-a +[0-9]+s ago +cn:node-a")))
      << table.out;
  RunResult listed = rivetctl(config(), {"tasks", "--state", "working", "--limit", "5", "--json"});
  EXPECT_EQ(listed.exitCode, 0) << listed.err;
  json::Value list = parsed(listed.out);
  const json::Value* tasks = list.find("tasks");
  ASSERT_TRUE(tasks && tasks->isArray()) << listed.out;
  bool found = false;
  for (const auto& t : tasks->items()) {
    found = found || t.getString("id") == id;
    EXPECT_EQ(t.getString("state"), "working");
  }
  EXPECT_TRUE(found) << listed.out;

  auto started = std::chrono::steady_clock::now();
  RunResult c = rivetctl(config(), {"cancel", id});
  EXPECT_EQ(c.exitCode, 0) << c.err;
  EXPECT_EQ(c.out, "task " + id + " canceled by cn:node-a\n");
  EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);
  EXPECT_EQ(stateOf(id), "canceled");
  RunResult again = rivetctl(config(), {"cancel", id, "--json"});
  EXPECT_EQ(again.exitCode, 0) << again.err; // still canceled: nothing else to do
  EXPECT_EQ(parsed(again.out).getString("state"), "canceled");
  RunResult none = rivetctl(config(), {"tasks", "--state", "working"});
  EXPECT_EQ(none.out.find(id), std::string::npos) << none.out;
}

TEST_F(RivetctlTasks, CancelOfAFinishedTaskSaysSoAndExits1) {
  RunResult d = rivetctl(config(), {"send", "echo", "done soon", "--detach"});
  ASSERT_EQ(d.exitCode, 0) << d.err;
  std::string id = d.out.substr(0, 32);
  ASSERT_TRUE(eventually([&] { return stateOf(id) == "completed"; }, 5s));
  RunResult c = rivetctl(config(), {"cancel", id});
  EXPECT_EQ(c.exitCode, 1);
  EXPECT_PRED2(contains, c.err, "had ended already") << c.err;
}

TEST_F(RivetctlTasks, CtrlCDuringFollowCancelsTheTaskAndExits130) {
  Process follow({binPath("rivetctl"), "--config", config(), "send", "sleeper", "x", "--follow"});
  ASSERT_TRUE(follow.waitForOutput("state: working", 10s)) << follow.output();
  std::string id = followedId(follow.output());
  ASSERT_FALSE(id.empty()) << follow.output();
  follow.signal(SIGINT);
  EXPECT_EQ(follow.wait(10s), 130) << follow.output();
  EXPECT_PRED2(contains, follow.output(), "task " + id + " canceled by cn:node-a")
      << follow.output();
  EXPECT_EQ(stateOf(id), "canceled");
}

TEST_F(RivetctlTasks, AStreamCutMidwayIsResumedWithoutLossOrRepetition) {
  CuttingProxy proxy(node_->port());
  TempDir dir;
  Process follow({binPath("rivetctl"), "--config", configAt(dir, proxy.port()), "send", "ticker",
                  "x", "--follow"});
  ASSERT_TRUE(follow.waitForOutput("tick 2", 10s)) << follow.output();
  proxy.cutAll();
  EXPECT_EQ(follow.wait(15s), 0) << follow.output();
  std::string out = follow.output();
  EXPECT_PRED2(contains, out, "event stream dropped") << out;
  EXPECT_PRED2(contains, out, "reconnected: events after ") << out;
  for (int i = 1; i <= 6; ++i)
    EXPECT_EQ(count(out, "tick " + std::to_string(i)), 1u) << out;
  EXPECT_EQ(count(out, "state: working"), 1u) << out;
  EXPECT_PRED2(contains, out, "ticked\n");
}

TEST_F(RivetctlTasks, UnknownTaskIdIsAClearErrorWithExit1) {
  std::string id = "00000000000000000000000000000000";
  for (std::string command : {"task", "cancel"}) {
    RunResult r = rivetctl(config(), {command, id});
    EXPECT_EQ(r.exitCode, 1) << command << r.err;
    EXPECT_EQ(r.out, "");
    EXPECT_PRED2(contains, r.err, "no task " + id + " on node node-a at 127.0.0.1:") << r.err;
  }
  RunResult bad = rivetctl(config(), {"task", "../etc"});
  EXPECT_EQ(bad.exitCode, 2) << bad.err;
  EXPECT_PRED2(contains, bad.err, "is not a task id");
}

TEST_F(RivetctlTasks, NodeDownExits3NamingTheAddress) {
  TempDir dir;
  int port = freePort();
  std::string down = configAt(dir, port);
  std::string at = "127.0.0.1:" + std::to_string(port);
  for (std::vector<std::string> args :
       {std::vector<std::string>{"send", "echo", "hi", "--follow"},
        std::vector<std::string>{"send", "echo", "hi", "--detach"},
        std::vector<std::string>{"tasks"}, std::vector<std::string>{"task", "abc"},
        std::vector<std::string>{"cancel", "abc"}}) {
    RunResult r = rivetctl(down, args);
    EXPECT_EQ(r.exitCode, 3) << args[0] << r.err;
    EXPECT_PRED2(contains, r.err, at) << r.err;
    EXPECT_PRED2(contains, r.err, "unreachable") << r.err;
  }
}

TEST_F(RivetctlTasks, HelpOfEachCommandGoesToStdoutWithExit0) {
  for (std::string command : {"send", "tasks", "task", "cancel"}) {
    RunResult r = rivetctl(config(), {command, "--help"});
    EXPECT_EQ(r.exitCode, 0) << command;
    EXPECT_PRED2(contains, r.out, "usage: rivetctl [--config FILE] " + command);
    EXPECT_PRED2(contains, r.out, "exit status:");
    EXPECT_EQ(r.err, "");
  }
  RunResult send = rivetctl(config(), {"send", "--help"});
  for (const char* option : {"--timeout", "--model", "--from", "--follow", "--detach"})
    EXPECT_PRED2(contains, send.out, option);
  RunResult usage = rivetctl(config(), {"tasks", "--state", "sleeping"});
  EXPECT_EQ(usage.exitCode, 2);
  EXPECT_PRED2(contains, usage.err, "unknown state 'sleeping'");
  EXPECT_EQ(rivetctl(config(), {"tasks", "--limit", "0"}).exitCode, 2);
  EXPECT_EQ(rivetctl(config(), {"send", "echo", "x", "--follow", "--detach"}).exitCode, 2);
}

TEST_F(RivetctlTasks, SendWithoutOptionsStillAnswersThroughApiMessage) {
  RunResult r = rivetctl(config(), {"send", "echo", "plain"});
  EXPECT_EQ(r.exitCode, 0) << r.err;
  EXPECT_EQ(r.out, "plain\n");
  EXPECT_EQ(r.err, "");
}

// A hostile or broken node: each answer is refused with a message that says what was wrong.
TEST_F(RivetctlTasks, AnEventLineOverTheLimitIsAnErrorNotUnboundedMemory) {
  std::string huge = "id: 1\nevent: progress\ndata: " + std::string(17 * 1024 * 1024, 'x');
  expectRefused(kStreamHead, chunk(huge), "a line longer than 16777216 bytes");
}

TEST_F(RivetctlTasks, BrokenChunkFramingIsAnError) {
  expectRefused(kStreamHead, "zz\r\nid: 1\n\n", "broken HTTP framing");
}

TEST_F(RivetctlTasks, AnAnswerThatIsNotAnEventStreamIsAnError) {
  expectRefused("HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nTransfer-Encoding: chunked\r\n\r\n",
                chunk("<html>"), "instead of text/event-stream");
  expectRefused("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nContent-Length: 0\r\n\r\n",
                "", "HTTP 200 without chunked framing");
}

TEST_F(RivetctlTasks, AnEventWithoutANumericIdIsAnError) {
  expectRefused(kStreamHead, chunk("id: abc\nevent: state\ndata: {}\n\n"),
                "id 'abc' is not a positive number");
  expectRefused(kStreamHead, chunk("event: state\ndata: {}\n\n"), "an event without an id: line");
}

TEST_F(RivetctlTasks, EventDataThatIsNotJsonIsAnError) {
  expectRefused(kStreamHead, chunk("id: 1\nevent: state\ndata: {nope\n\n"),
                "event 1 (state) has data that is not a JSON object");
  expectRefused(kStreamHead, chunk("id: 1\nevent: state\ndata: {\"state\":\"\xff\"}\n\n"),
                "not a JSON object in UTF-8");
}

TEST_F(RivetctlTasks, AHeadOverTheLimitIsAnError) {
  expectRefused("HTTP/1.1 200 OK\r\nX-Big: " + std::string(20000, 'a') + "\r\n\r\n", "",
                "the answer's head is over 16384 bytes");
}

TEST_F(RivetctlTasks, AStreamSentAByteAtATimeWithEscapesIsShownSafely) {
  std::string events =
      chunk("id: 1\r\nevent: progress\r\ndata: {\"kind\":\"status\",\"text\":\"bell\\u0007 "
            "esc\\u001b[31m \\u00e9t\u00e9\",\"agent\":\"echo\",\"node\":\"node-a\"}\r\n\r\n") +
      chunk(": keep-alive\n\n") +
      chunk("id: 2\nevent: state\ndata: {\"state\":\"completed\",\"result\":{\"status\":"
            "\"completed\",\"response\":\"fine\",\"agent\":\"echo\",\"durationMs\":5}}\n\n") +
      "0\r\n\r\n";
  RunResult r = followHostile(kStreamHead, events, 1);
  EXPECT_EQ(r.exitCode, 0) << r.err;
  EXPECT_EQ(r.out, "fine\n");
  EXPECT_PRED2(contains, r.err, "status echo@node-a: bell? esc?[31m \u00e9t\u00e9") << r.err;
  EXPECT_EQ(r.err.find('\x1b'), std::string::npos);
}

TEST_F(RivetctlTasks, AStreamThatGoesSilentIsReconnectedThenGivenUp) {
  // keepalive_ms 500: 6 s of silence is a dead stream; retries stop after the node's grace.
  auto started = std::chrono::steady_clock::now();
  RunResult r = followHostile(kStreamHead, "", 0, "  disconnect_grace_ms: 5000\n");
  EXPECT_EQ(r.exitCode, 3) << r.err;
  EXPECT_PRED2(contains, r.err, "not even a keep-alive") << r.err;
  EXPECT_PRED2(contains, r.err, "rivetctl: lost node node-a at 127.0.0.1:") << r.err;
  EXPECT_LT(std::chrono::steady_clock::now() - started, 20s);
}

namespace {

// Two nodes sharing a registry: planner on A delegates to worker on B (as a task there).
class RivetctlTaskTree : public ::testing::Test {
protected:
  void SetUp() override {
    a_ = std::make_unique<MeshNode>(
        pki_, storage_.path(), "node-a",
        "agents:\n" + commandAgent("planner", R"sh("$CTL" delegate worker "$(cat)")sh"));
    b_ = std::make_unique<MeshNode>(
        pki_, storage_.path(), "node-b",
        "agents:\n" +
            commandAgent("worker", R"sh(echo "working on it" >&2; echo "worked: $(cat)")sh"));
    ASSERT_TRUE(a_->start() && b_->start()) << a_->output() << b_->output();
    ASSERT_TRUE(eventually(
        [&] {
          JsonObject b = registryEntry(storage_.path(), "node-b");
          return b && b->has("metadata") && statusIn(storage_.path(), "node-a") == "online";
        },
        10s));
  }

  TestPki pki_;
  TempDir storage_;
  std::unique_ptr<MeshNode> a_, b_;
};

} // namespace

TEST_F(RivetctlTaskTree, FollowShowsTheDelegationIndentedAndTaskTreeDrawsItAcrossNodes) {
  RunResult r = rivetctl(a_->configPath(), {"send", "planner", "plan it", "--follow"});
  ASSERT_EQ(r.exitCode, 0) << r.out << r.err;
  EXPECT_EQ(r.out, "worked: plan it\n");
  std::smatch m;
  ASSERT_TRUE(std::regex_search(
      r.err, m,
      std::regex("\\]   -> worker@node-b started by planner@node-a \\(task ([0-9a-f]{32})\\)")))
      << r.err;
  std::string child = m[1].str();
  EXPECT_PRED2(contains, r.err, "]   status worker@node-b: working on it") << r.err;
  EXPECT_TRUE(std::regex_search(r.err, std::regex("\\]   <- worker@node-b completed in [0-9.]+s")))
      << r.err;
  std::string id = followedId(r.err);
  ASSERT_FALSE(id.empty()) << r.err;

  RunResult tree = rivetctl(a_->configPath(), {"task", id, "--tree"});
  EXPECT_EQ(tree.exitCode, 0) << tree.err;
  EXPECT_TRUE(std::regex_search(tree.out,
                                std::regex("^" + id + "  completed  planner@node-a  [0-9.]+s\n`- " +
                                           child + "  completed  worker@node-b  [0-9.]+s\n$")))
      << tree.out;
  RunResult treeJson = rivetctl(a_->configPath(), {"task", id, "--tree", "--json"});
  EXPECT_EQ(treeJson.exitCode, 0) << treeJson.err;
  json::Value t = parsed(treeJson.out);
  const json::Value* children = t.find("children");
  ASSERT_TRUE(children && children->isArray() && children->items().size() == 1) << treeJson.out;
  const json::Value* sub = children->items()[0].find("task");
  ASSERT_TRUE(sub) << treeJson.out;
  EXPECT_EQ(sub->getString("id"), child);
  EXPECT_EQ(sub->getString("state"), "completed");
}

// Text as an LLM agent streams it (a stand-in node sends what a node sends for one).
TEST_F(RivetctlTasks, TextDeltasGoToStdoutAsTheyComeAndTheResultIsNotRepeated) {
  auto progress = [](int id, const std::string& kind, const std::string& text,
                     const std::string& agent) {
    return chunk("id: " + std::to_string(id) + "\nevent: progress\ndata: {\"kind\":\"" + kind +
                 "\",\"text\":" + json::quoted(text) + ",\"agent\":\"" + agent +
                 "\",\"node\":\"node-a\"}\n\n");
  };
  std::string events =
      progress(1, "text", "Hel", "echo") +
      progress(2, "tool", "delegate_task -> helper: x", "echo") +
      progress(3, "text", "sub text", "helper") + progress(4, "text", "lo", "echo") +
      chunk("id: 5\nevent: state\ndata: {\"state\":\"completed\",\"result\":{\"status\":"
            "\"completed\",\"response\":\"Hello\",\"agent\":\"echo\",\"durationMs\":5}}\n\n") +
      "0\r\n\r\n";
  RunResult r = followHostile(kStreamHead, events);
  EXPECT_EQ(r.exitCode, 0) << r.err;
  EXPECT_EQ(r.out, "Hello\n");
  EXPECT_PRED2(contains, r.err, "tool echo@node-a: delegate_task -> helper: x") << r.err;
  EXPECT_PRED2(contains, r.err, "[helper@node-a] sub text") << r.err;
}

TEST_F(RivetctlTasks, ASecondCtrlCQuitsAtOnceWhileTheCancelHangs) {
  // The stand-in answers the cancel with a stream that never ends, so the cancel hangs.
  HostileNode hostile(node_->settings(), kStreamHead, "");
  TempDir dir;
  Process follow({binPath("rivetctl"), "--config", configAt(dir, hostile.port()), "send", "echo",
                  "x", "--follow"});
  ASSERT_TRUE(follow.waitForOutput("(Ctrl-C cancels it)", 10s)) << follow.output();
  follow.signal(SIGINT);
  ASSERT_TRUE(follow.waitForOutput("interrupted: canceling task", 5s)) << follow.output();
  auto second = std::chrono::steady_clock::now();
  follow.signal(SIGINT);
  EXPECT_EQ(follow.wait(5s), 130) << follow.output();
  EXPECT_LT(std::chrono::steady_clock::now() - second, 1s);
  EXPECT_FALSE(contains(follow.output(), "canceled by")) << "the cancel did not hang";
  EXPECT_FALSE(contains(follow.output(), "refused to cancel")) << follow.output();
  EXPECT_FALSE(contains(follow.output(), "unreachable")) << follow.output();
}

TEST_F(RivetctlTasks, EventsTheNodeNoLongerKeepsAreReportedAsAGapAndTheRestIsShown) {
  TempDir work;
  std::string go = work.file("go");
  NodeSettings s = node_->settings();
  s.port = 0;
  s.agentsYaml =
      "agents:\n" + commandAgent("burst", "while [ ! -e " + go +
                                              " ]; do sleep 0.05; done; for i in $(seq 1 30); do "
                                              "echo \"line $i\" >&2; done; echo burst done");
  s.tailYaml = "tasks:\n  events_per_task: 10\n";
  NodeProcess node(s);
  ASSERT_TRUE(node.ready()) << node.output();
  CuttingProxy proxy(node.port());
  TempDir dir;
  NodeSettings viaProxy = node.settings();
  viaProxy.port = proxy.port();
  Process follow({binPath("rivetctl"), "--config", writeNodeConfig(dir, viaProxy), "send", "burst",
                  "x", "--follow"});
  ASSERT_TRUE(follow.waitForOutput("state: working", 10s)) << follow.output();
  std::string id = followedId(follow.output());
  proxy.refuse(true);
  proxy.cutAll();
  writeFile(go, "");
  ASSERT_TRUE(eventually(
      [&] {
        RunResult r = rivetctl(node.configPath(), {"task", id, "--json"});
        return parsed(r.out).getString("state") == "completed";
      },
      10s));
  proxy.refuse(false);
  EXPECT_EQ(follow.wait(15s), 0) << follow.output();
  std::string out = follow.output();
  EXPECT_TRUE(std::regex_search(out, std::regex("events 3 to [0-9]+ are no longer kept"))) << out;
  EXPECT_EQ(count(out, "line 30\n"), 1u) << out;
  EXPECT_EQ(count(out, "line 1\n"), 0u) << out; // in the gap
  EXPECT_PRED2(contains, out, "burst done\n");
}

TEST_F(RivetctlTasks, AStreamRefusedByTheNodeShowsItsError) {
  std::string body = R"({"error":"No task here for this caller"})";
  RunResult r = followHostile("HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\n"
                              "Content-Length: " +
                                  std::to_string(body.size()) + "\r\n\r\n" + body,
                              "");
  EXPECT_EQ(r.exitCode, 1) << r.err;
  EXPECT_PRED2(contains, r.err, "refused the event stream of task ") << r.err;
  EXPECT_PRED2(contains, r.err, "HTTP 404: No task here for this caller") << r.err;
}
