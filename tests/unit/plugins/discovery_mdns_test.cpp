// discovery-mdns against a real avahi-daemon: scripts/netns-mdns.sh gives one network namespace
// its own D-Bus and avahi; plugin instances run in this process, driven by the SDK's fake host
// and reaching that avahi through DBUS_SYSTEM_BUS_ADDRESS. Needs root and `ip netns` (CI has
// both); the TXT-record rules need neither.
#include "Announcement.hpp"

#include <rivet/sdk/testing/fake_host.hpp>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <mutex>
#include <spawn.h>
#include <sstream>
#include <string>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

extern char** environ;

using rivet::sdk::testing::FakeHost;
using rivet::sdk::testing::LogLine;
using namespace std::chrono_literals;

namespace {

const std::string kScript = std::string(RIVET_SOURCE_DIR) + "/scripts/netns-mdns.sh";

// --- the namespace: `up` once per process, `down` at exit, on a fatal signal, or by the next
// --- run if this one was killed outright -------------------------------------------------------

std::string gPrefix;    // "mu<pid>": names the namespace and its run folder
std::string gSkip;      // why these tests cannot run here, or "" when they can
char gDownArgs[3][256]; // argv for the signal-safe `down`

volatile sig_atomic_t gChild = 0; // the script running right now, stopped first on a signal

int runArgv(const std::vector<std::string>& argv) {
  std::vector<char*> args;
  for (const auto& a : argv)
    args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = -1;
  if (posix_spawn(&pid, args[0], nullptr, nullptr, args.data(), environ) != 0)
    return -1;
  gChild = pid;
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  gChild = 0;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// Only async-signal-safe calls: kill, fork, execv, waitpid, _exit.
void downNow() {
  if (gDownArgs[0][0] == '\0')
    return; // never up, or already down
  if (pid_t child = gChild; child > 0) {
    kill(child, SIGKILL);
    waitpid(child, nullptr, 0);
  }
  pid_t pid = fork();
  if (pid == 0) {
    char* argv[] = {const_cast<char*>("/bin/bash"), gDownArgs[0], gDownArgs[1], gDownArgs[2],
                    nullptr};
    execv("/bin/bash", argv);
    _exit(127);
  }
  if (pid > 0) {
    int status = 0;
    waitpid(pid, &status, 0);
  }
  gDownArgs[0][0] = '\0';
}

void onFatalSignal(int sig) {
  downNow();
  std::signal(sig, SIG_DFL);
  std::raise(sig);
}

// A process that exists and is not a zombie.
bool alive(int pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(stat, line))
    return false;
  size_t close = line.rfind(')');
  return close != std::string::npos && close + 2 < line.size() && line[close + 2] != 'Z';
}

// Runs left by a test process that no longer exists (killed by a timeout) are taken down.
void downStaleRuns() {
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/tmp/rivet-netns", ec)) {
    std::string name = entry.path().filename().string();
    if (name.rfind("mu", 0) != 0 || name.size() < 3 ||
        name.find_first_not_of("0123456789", 2) != std::string::npos)
      continue;
    if (!alive(std::stoi(name.substr(2))))
      runArgv({"/bin/bash", kScript, "down", name});
  }
}

std::string skipReason() {
  if (geteuid() != 0)
    return "needs root (network namespaces with their own avahi-daemon)";
  if (runArgv({"/bin/sh", "-c", "ip netns list >/dev/null 2>&1"}) != 0)
    return "`ip netns` is not available";
  if (runArgv({"/bin/sh", "-c", "command -v avahi-daemon dbus-daemon avahi-browse >/dev/null"}) !=
      0) // a failure, not a skip: CI must run these
    return "FAILED: avahi-daemon, avahi-utils or dbus is not installed (run "
           "scripts/install-deps.sh)";
  return "";
}

void bringUp() {
  gSkip = skipReason();
  if (!gSkip.empty())
    return;
  downStaleRuns();
  gPrefix = "mu" + std::to_string(getpid());
  std::snprintf(gDownArgs[0], sizeof gDownArgs[0], "%s", kScript.c_str());
  std::snprintf(gDownArgs[1], sizeof gDownArgs[1], "down");
  std::snprintf(gDownArgs[2], sizeof gDownArgs[2], "%s", gPrefix.c_str());
  std::atexit(downNow);
  for (int sig : {SIGINT, SIGTERM, SIGABRT, SIGSEGV, SIGBUS, SIGFPE, SIGILL})
    std::signal(sig, onFatalSignal);
  if (runArgv({"/bin/bash", kScript, "up", gPrefix, "1"}) != 0) {
    gSkip = "FAILED: scripts/netns-mdns.sh up " + gPrefix + " 1";
    return;
  }
  // libdbus reads the system bus address once per process: set it before any client exists.
  setenv("DBUS_SYSTEM_BUS_ADDRESS", ("unix:path=/tmp/rivet-netns/" + gPrefix + "/1/bus").c_str(),
         1);
}

int script(const std::string& command) {
  return runArgv({"/bin/bash", kScript, command, gPrefix, "1"});
}

// A command's standard output (avahi-browse, avahi-publish through the namespace's bus).
std::string capture(const std::string& command) {
  std::string out;
  if (FILE* p = popen(command.c_str(), "r")) {
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, p)) > 0)
      out.append(buf, n);
    pclose(p);
  }
  return out;
}

bool eventually(const std::function<bool()>& condition, std::chrono::milliseconds timeout = 8s) {
  auto until = std::chrono::steady_clock::now() + timeout;
  while (!condition()) {
    if (std::chrono::steady_clock::now() > until)
      return condition();
    std::this_thread::sleep_for(20ms);
  }
  return true;
}

// --- one plugin instance; its host calls are serialised, since the plugin makes them from
// --- the Avahi thread while the test reads them -----------------------------------------------

struct Peer {
  std::string name, host;
  int port = 0;
  size_t fields = 0;
};

class MdnsNode {
public:
  MdnsNode(const std::string& name, int port, const std::string& serviceType)
      : fake_("discovery-mdns",
              R"({"mode":"mdns","node_name":")" + name + R"(","port":)" + std::to_string(port) +
                  R"(,"heartbeat_interval_ms":500,"mdns_service":")" + serviceType + R"("})") {
    api_ = *fake_.api();
    api_.host = this;
    api_.log = [](void* h, rivet_log_level level, rivet_str component, rivet_str message) {
      auto& self = *static_cast<MdnsNode*>(h);
      std::lock_guard<std::mutex> lock(self.mutex_);
      self.fake_.api()->log(&self.fake_, level, component, message);
    };
    api_.config = [](void* h, rivet_writer* out) {
      auto& self = *static_cast<MdnsNode*>(h);
      self.fake_.api()->config(&self.fake_, out);
    };
    api_.instance_name = [](void* h) {
      auto& self = *static_cast<MdnsNode*>(h);
      return self.fake_.api()->instance_name(&self.fake_);
    };
    api_.node_info = [](void* h, rivet_writer* out) {
      auto& self = *static_cast<MdnsNode*>(h);
      self.fake_.api()->node_info(&self.fake_, out);
    };
    api_.peers_seen = [](void* h, rivet_str json) {
      auto& self = *static_cast<MdnsNode*>(h);
      std::lock_guard<std::mutex> lock(self.mutex_);
      self.fake_.api()->peers_seen(&self.fake_, json);
    };
    api_.peer_lost = [](void* h, rivet_str name) {
      auto& self = *static_cast<MdnsNode*>(h);
      std::lock_guard<std::mutex> lock(self.mutex_);
      self.fake_.api()->peer_lost(&self.fake_, name);
    };
    descriptor_ = rivet_plugin_entry(RIVET_ABI_MAJOR, RIVET_ABI_MINOR);
    std::string error;
    rivet_writer w{&error, [](void* ctx, const char* d, size_t n) {
                     static_cast<std::string*>(ctx)->append(d, n);
                   }};
    if (descriptor_->create(&api_, &instance_, &w) != RIVET_OK)
      throw std::runtime_error("create: " + error);
  }
  ~MdnsNode() {
    stop();
    descriptor_->destroy(instance_);
  }
  MdnsNode(const MdnsNode&) = delete;
  MdnsNode& operator=(const MdnsNode&) = delete;

  void start() {
    std::string error;
    rivet_writer w{&error, [](void* ctx, const char* d, size_t n) {
                     static_cast<std::string*>(ctx)->append(d, n);
                   }};
    if (descriptor_->start(instance_, &w) != RIVET_OK)
      throw std::runtime_error("start: " + error);
    started_ = true;
  }
  void stop() {
    if (started_)
      descriptor_->stop(instance_);
    started_ = false;
  }
  void selfChanged(const std::string& recordJson) {
    auto ops = static_cast<const rivet_discovery_ops*>(descriptor_->ops);
    ops->self_changed(instance_, {recordJson.data(), recordJson.size()});
  }

  // Every peer reported so far, in order, one entry per element of each peers_seen array.
  std::vector<Peer> seen() {
    std::lock_guard<std::mutex> lock(mutex_);
    std::vector<Peer> out;
    for (const auto& json : fake_.peersSeen) {
      auto list = Poco::JSON::Parser().parse(json).extract<Poco::JSON::Array::Ptr>();
      for (size_t i = 0; i < list->size(); ++i) {
        auto o = list->getObject(static_cast<unsigned>(i));
        out.push_back({o->optValue<std::string>("name", ""), o->optValue<std::string>("host", ""),
                       o->optValue<int>("port", 0), o->size()});
      }
    }
    return out;
  }
  size_t seenCount(const std::string& name) {
    auto all = seen();
    return static_cast<size_t>(
        std::count_if(all.begin(), all.end(), [&](const Peer& p) { return p.name == name; }));
  }
  std::vector<std::string> lost() {
    std::lock_guard<std::mutex> lock(mutex_);
    return fake_.peersLost;
  }
  std::vector<LogLine> logs() {
    std::lock_guard<std::mutex> lock(mutex_);
    return fake_.logs;
  }
  size_t logCount(rivet_log_level level, const std::string& text) {
    auto all = logs();
    return static_cast<size_t>(std::count_if(all.begin(), all.end(), [&](const LogLine& l) {
      return l.level == level && l.message.find(text) != std::string::npos;
    }));
  }
  std::string allLogs() {
    std::string out;
    for (const auto& l : logs())
      out += std::to_string(l.level) + " " + l.message + "\n";
    return out;
  }

private:
  FakeHost fake_;
  rivet_host_api api_{};
  std::mutex mutex_;
  const rivet_plugin_descriptor* descriptor_ = nullptr;
  void* instance_ = nullptr;
  bool started_ = false;
};

// The resolved `=` line avahi-browse prints for one instance, or "".
std::string browsed(const std::string& serviceType, const std::string& instance) {
  std::istringstream lines(capture("timeout 10 avahi-browse -rpt " + serviceType + " 2>/dev/null"));
  std::string line;
  while (std::getline(lines, line))
    if (line.rfind("=;", 0) == 0 && line.find(";" + instance + ";") != std::string::npos)
      return line;
  return "";
}

class MdnsPlugin : public ::testing::Test {
protected:
  static void SetUpTestSuite() { bringUp(); }
  static void TearDownTestSuite() { downNow(); }
  void SetUp() override {
    if (!gSkip.empty()) {
      if (gSkip.rfind("FAILED", 0) == 0)
        FAIL() << gSkip;
      GTEST_SKIP() << gSkip;
    }
  }
};

const std::string kAddress = "10.77.1.1"; // the namespace's eth0 (scripts/netns-mdns.sh)

} // namespace

// --- TXT rules: no avahi needed -------------------------------------------------------------

TEST(MdnsAnnouncement, CarriesNodePortVersionAndAgents) {
  rivet::mdns::Announcement a{"node-1", 3000, "0.1.0", {"echo", "coder"}};
  EXPECT_EQ(a.txt(), (std::vector<std::string>{"node=node-1", "port=3000", "version=0.1.0",
                                               "agents=echo,coder"}));
}

TEST(MdnsAnnouncement, TruncatesTheAgentsListAtACommaWithin255Bytes) {
  std::vector<std::string> agents;
  for (int i = 0; i < 40; ++i)
    agents.push_back("agent-" + std::to_string(100 + i)); // 9 bytes each
  std::string txt = rivet::mdns::agentsTxt(agents);
  EXPECT_LE(txt.size(), 255u);
  EXPECT_GT(txt.size(), 240u) << "as many whole ids as fit";
  EXPECT_EQ(txt.rfind("agents=agent-100,agent-101,", 0), 0u);
  std::string last = txt.substr(txt.rfind(',') + 1);
  EXPECT_EQ(last.size(), 9u) << "never half an id: " << last;
  EXPECT_NE(txt.back(), ',');
}

TEST(MdnsAnnouncement, TakesAgentsAndVersionFromTheRegistryRecord) {
  rivet::mdns::Announcement a{"node-1", 3000, "0.1.0", {}};
  EXPECT_TRUE(a.applyRecord(R"({"id":"node-1","agents":["echo","opus"],"version":"0.2.0"})"));
  EXPECT_EQ(a.agents, (std::vector<std::string>{"echo", "opus"}));
  EXPECT_EQ(a.version, "0.2.0");
  EXPECT_FALSE(a.applyRecord(R"({"agents":["echo","opus"],"version":"0.2.0"})"))
      << "unchanged: nothing to republish";
  EXPECT_FALSE(a.applyRecord("not json"));
}

// --- against avahi-daemon ---------------------------------------------------------------------

TEST_F(MdnsPlugin, TwoNodesReportEachOtherWithNameAddressAndPortButNeverThemselves) {
  MdnsNode alpha("alpha", 4101, "_rvt-pair._tcp");
  MdnsNode beta("beta", 4102, "_rvt-pair._tcp");
  alpha.start();
  beta.start();
  ASSERT_TRUE(eventually([&] { return alpha.seenCount("beta") > 0 && beta.seenCount("alpha"); }))
      << "alpha:\n"
      << alpha.allLogs() << "beta:\n"
      << beta.allLogs();
  for (auto* node : {&alpha, &beta}) {
    for (const auto& p : node->seen()) {
      EXPECT_NE(p.name, node == &alpha ? "alpha" : "beta") << "reported its own service";
      EXPECT_EQ(p.host, kAddress);
      EXPECT_EQ(p.port, p.name == "alpha" ? 4101 : 4102);
      EXPECT_EQ(p.fields, 3u) << "exactly name, host, port";
    }
  }
  EXPECT_EQ(alpha.logCount(RIVET_LOG_INFO, "published 'alpha' as _rvt-pair._tcp on port 4101"), 1u)
      << alpha.allLogs();
  EXPECT_TRUE(alpha.lost().empty());
}

TEST_F(MdnsPlugin, StopWithdrawsTheServiceSoPeersReportItLostAndReturnsPromptly) {
  MdnsNode alpha("alpha", 4101, "_rvt-bye._tcp");
  MdnsNode beta("beta", 4102, "_rvt-bye._tcp");
  alpha.start();
  beta.start();
  ASSERT_TRUE(eventually([&] { return alpha.seenCount("beta") > 0; })) << alpha.allLogs();
  auto t0 = std::chrono::steady_clock::now();
  beta.stop();
  auto stopMs =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0);
  EXPECT_LT(stopMs.count(), 2000) << "stop() took " << stopMs.count() << " ms";
  EXPECT_EQ(beta.logCount(RIVET_LOG_INFO, "withdrew service 'beta'"), 1u) << beta.allLogs();
  ASSERT_TRUE(eventually([&] { return !alpha.lost().empty(); })) << alpha.allLogs();
  EXPECT_EQ(alpha.lost(), std::vector<std::string>{"beta"}) << "by the node name from TXT node=";
}

TEST_F(MdnsPlugin, PublishesTxtRecordsAndRepublishesWhenItsAgentsChange) {
  MdnsNode alpha("alpha", 4101, "_rvt-txt._tcp");
  alpha.selfChanged(R"({"id":"alpha","agents":["echo","coder"],"version":"9.9.9"})");
  alpha.start();
  ASSERT_TRUE(eventually([&] { return alpha.logCount(RIVET_LOG_INFO, "published 'alpha'") > 0; }))
      << alpha.allLogs();
  std::string line = browsed("_rvt-txt._tcp", "alpha");
  EXPECT_NE(line.find("\"node=alpha\""), std::string::npos) << line;
  EXPECT_NE(line.find("\"port=4101\""), std::string::npos) << line;
  EXPECT_NE(line.find("\"version=9.9.9\""), std::string::npos) << line;
  EXPECT_NE(line.find("\"agents=echo,coder\""), std::string::npos) << line;

  alpha.selfChanged(R"({"id":"alpha","agents":["echo","coder","writer"],"version":"9.9.9"})");
  EXPECT_TRUE(eventually([&] {
    return browsed("_rvt-txt._tcp", "alpha").find("\"agents=echo,coder,writer\"") !=
           std::string::npos;
  })) << browsed("_rvt-txt._tcp", "alpha")
      << "\n"
      << alpha.allLogs();
}

TEST_F(MdnsPlugin, RenamesItsServiceOnANameCollisionAndKeepsItsNodeName) {
  // Someone else already publishes an instance named "gamma" on this network.
  std::string publish =
      "exec avahi-publish -s gamma _rvt-clash._tcp 4999 node=squatter >/dev/null 2>&1";
  pid_t squatter = -1;
  const char* argv[] = {"/bin/sh", "-c", publish.c_str(), nullptr};
  ASSERT_EQ(posix_spawn(&squatter, "/bin/sh", nullptr, nullptr, const_cast<char**>(argv), environ),
            0);
  MdnsNode watcher("watcher", 4100, "_rvt-clash._tcp");
  watcher.start();
  bool squatting = eventually([&] { return watcher.seenCount("squatter") > 0; });

  MdnsNode gamma("gamma", 4103, "_rvt-clash._tcp");
  gamma.start();
  bool seen = eventually([&] { return watcher.seenCount("gamma") > 0; });
  kill(squatter, SIGTERM);
  waitpid(squatter, nullptr, 0);
  ASSERT_TRUE(squatting) << watcher.allLogs();
  ASSERT_TRUE(seen) << gamma.allLogs() << watcher.allLogs();
  EXPECT_EQ(gamma.logCount(RIVET_LOG_WARN, "renamed to 'gamma #2'"), 1u) << gamma.allLogs();
  for (const auto& p : watcher.seen()) {
    if (p.name == "gamma") {
      EXPECT_EQ(p.port, 4103) << "the renamed instance still reports node=gamma";
    }
  }
}

TEST_F(MdnsPlugin, SurvivesAnAvahiRestartByReconnectingRepublishingAndRebrowsing) {
  MdnsNode alpha("alpha", 4101, "_rvt-restart._tcp");
  MdnsNode beta("beta", 4102, "_rvt-restart._tcp");
  alpha.start();
  beta.start();
  ASSERT_TRUE(eventually([&] { return alpha.seenCount("beta") > 0 && beta.seenCount("alpha"); }));
  size_t before = alpha.seenCount("beta");

  ASSERT_EQ(script("restart-avahi"), 0);
  EXPECT_TRUE(eventually([&] { return alpha.logCount(RIVET_LOG_WARN, "lost avahi-daemon") > 0; }))
      << alpha.allLogs();
  EXPECT_TRUE(eventually([&] { return alpha.logCount(RIVET_LOG_INFO, "is back") > 0; }))
      << alpha.allLogs();
  EXPECT_TRUE(eventually([&] { return alpha.seenCount("beta") > before; }))
      << "rebrowsed and found beta again\n"
      << alpha.allLogs();
  EXPECT_TRUE(eventually([&] { return !browsed("_rvt-restart._tcp", "alpha").empty(); }))
      << "republished";
  EXPECT_TRUE(alpha.lost().empty()) << "a daemon restart says nothing about the peers";
  EXPECT_EQ(alpha.logCount(RIVET_LOG_ERROR, ""), 0u) << alpha.allLogs();
}

TEST_F(MdnsPlugin, SaysOnceWhatToStartWhileAvahiIsDownAndPublishesWhenItAppears) {
  ASSERT_EQ(script("stop-avahi"), 0);
  struct Restart { // leave avahi running for the next test, even when this one fails
    ~Restart() {
      if (!std::filesystem::exists("/tmp/rivet-netns/" + gPrefix + "/1/avahi.pid"))
        script("start-avahi");
    }
  } restart;
  MdnsNode alpha("alpha", 4101, "_rvt-late._tcp");
  alpha.start();
  ASSERT_TRUE(eventually([&] { return alpha.logCount(RIVET_LOG_ERROR, "") > 0; }));
  EXPECT_EQ(
      alpha.logCount(RIVET_LOG_ERROR, "mDNS discovery is unavailable: avahi-daemon is not running"),
      1u)
      << alpha.allLogs();
  EXPECT_EQ(alpha.logCount(RIVET_LOG_ERROR, "start avahi-daemon"), 1u);
  EXPECT_EQ(alpha.logCount(RIVET_LOG_ERROR, "keeps serving"), 1u);

  ASSERT_EQ(script("start-avahi"), 0);
  EXPECT_TRUE(eventually([&] { return alpha.logCount(RIVET_LOG_INFO, "published 'alpha'") > 0; }))
      << alpha.allLogs();
  EXPECT_EQ(alpha.logCount(RIVET_LOG_INFO, "available now"), 1u) << alpha.allLogs();
  EXPECT_EQ(alpha.logCount(RIVET_LOG_ERROR, ""), 1u) << "one ERROR line, no repeats";
}
