// mDNS discovery across real rivetd processes: three network namespaces on a bridge, each with
// its own D-Bus, avahi-daemon (scripts/netns-mdns.sh) and node with its own storage. Nodes learn
// each other only through mDNS and trust a peer only once it proved its name over mTLS. Needs
// root and `ip netns` (CI has both); the last test, without D-Bus, needs neither.
#include "MeshTestKit.hpp"

#include <gtest/gtest.h>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

using namespace rivet::test;
using namespace std::chrono_literals;

namespace {

using Clock = std::chrono::steady_clock;
using JsonObject = Poco::JSON::Object::Ptr;

constexpr int kNodes = 3;
constexpr int kPort = 3000; // every node listens on it, each in its own namespace
constexpr auto kConverge = 10s;
// A silent peer is marked offline about 2 s after its last refresh.
constexpr const char* kHeartbeat = "  heartbeat_interval_ms: 500\n  stale_threshold_ms: 2000\n";

const std::string kScript = sourcePath("scripts/netns-mdns.sh");

std::string addressOf(int i) {
  return "10.77.1." + std::to_string(i); // scripts/netns-mdns.sh's default subnet
}

int64_t epochMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

template <class Condition> bool eventually(Condition condition, std::chrono::milliseconds timeout) {
  const auto until = Clock::now() + timeout;
  for (;;) {
    if (condition())
      return true;
    if (Clock::now() >= until)
      return false;
    std::this_thread::sleep_for(100ms);
  }
}

// True when `log` has a line at `level` (INFO, WARN, ...) containing every one of `texts`.
size_t countLogged(const std::string& log, const std::string& level,
                   const std::vector<std::string>& texts) {
  std::istringstream lines(log);
  size_t n = 0;
  for (std::string line; std::getline(lines, line);) {
    std::istringstream words(line);
    std::string time, lineLevel;
    if (!(words >> time >> lineLevel) || lineLevel != level)
      continue;
    bool all = true;
    for (const auto& t : texts)
      all = all && contains(line, t);
    n += all;
  }
  return n;
}
bool logged(const std::string& log, const std::string& level,
            const std::vector<std::string>& texts) {
  return countLogged(log, level, texts) > 0;
}

std::string ipPath() {
  for (const char* p : {"/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip"})
    if (access(p, X_OK) == 0)
      return p;
  return "";
}

// --- the namespaces: `up` once per process; `down` in TearDownTestSuite, at exit, on a fatal
// --- signal, or by the next run when this one was killed outright ------------------------------

std::string gPrefix;              // "mi<pid>": the namespaces' and run folder's name
volatile sig_atomic_t gUp = 0;    // namespaces exist
volatile sig_atomic_t gChild = 0; // the script running right now, stopped first on a signal
char gDownArgs[3][256];           // argv for the signal-safe `down`

int script(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {"/bin/bash", kScript};
  argv.insert(argv.end(), args.begin(), args.end());
  Process p(argv);
  gChild = p.pid();
  int code = p.wait(60s);
  gChild = 0;
  if (code != 0)
    std::fprintf(stderr, "netns-mdns.sh failed (%d):\n%s\n", code, p.output().c_str());
  return code;
}

// Only async-signal-safe calls: kill, fork, execv, waitpid, _exit.
void downNow() {
  if (!gUp)
    return;
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
  if (pid > 0)
    waitpid(pid, nullptr, 0);
  gUp = 0;
}

constexpr int kFatalSignals[] = {SIGINT, SIGTERM, SIGABRT, SIGSEGV, SIGBUS, SIGFPE, SIGILL};

void onFatalSignal(int sig) {
  downNow();
  std::signal(sig, SIG_DFL);
  std::raise(sig);
}

bool alive(int pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(stat, line))
    return false;
  size_t close = line.rfind(')');
  return close != std::string::npos && close + 2 < line.size() && line[close + 2] != 'Z';
}

void downStaleRuns() {
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/tmp/rivet-netns", ec)) {
    std::string name = entry.path().filename().string();
    if (name.rfind("mi", 0) == 0 && name.size() > 2 &&
        name.find_first_not_of("0123456789", 2) == std::string::npos &&
        !alive(std::stoi(name.substr(2))))
      script({"down", name});
  }
}

std::string skipReason() {
  if (geteuid() != 0)
    return "needs root (network namespaces with their own avahi-daemon)";
  if (ipPath().empty() || run({ipPath(), "netns", "list"}).exitCode != 0)
    return "`ip netns` is not available";
  return "";
}

// Missing packages fail the tests instead of skipping them: CI must run them.
std::string missingTools() {
  for (const char* tool :
       {"/usr/sbin/avahi-daemon", "/usr/bin/dbus-daemon", "/usr/bin/avahi-publish"})
    if (access(tool, X_OK) != 0)
      return std::string(tool) + " is not installed (run scripts/install-deps.sh)";
  return "";
}

// One rivetd in namespace <prefix>-<i>, talking to that namespace's avahi, with its own storage.
// Hosts one echo agent, agent-<i>.
class MdnsNode {
public:
  MdnsNode(const TestPki& pki, int index) : index_(index), name_("node-" + std::to_string(index)) {
    const std::string issued = pki.file("ca/issued/" + name_);
    writeFile(configPath(),
              "mesh:\n  enabled: true\n  node_name: " + name_ +
                  "\n  advertise_host: " + addressOf(index_) +
                  "\n  listen_host: 0.0.0.0\n  agent_channel_port: " + std::to_string(kPort) +
                  "\n  storage_dir: " + dir_.file("registry") +
                  "\n  state_dir: " + dir_.file("state") + "\n" + kHeartbeat +
                  "  discovery:\n    mode: mdns\n  tls:\n    ca_path: " + pki.chainPath() +
                  "\n    cert_path: " + issued + ".crt\n    key_path: " + issued +
                  ".key\nplugins:\n  dir: " + pluginDir() + "\nagents:\n  " + agent() +
                  ":\n    plugin: echo\n");
  }
  ~MdnsNode() { stop(); }

  // Starts (or restarts) rivetd; true once it registered itself, which follows listening.
  bool start() {
    process_ = std::make_unique<Process>(inNamespace({binPath("rivetd"), "--config", configPath()}),
                                         Env{{"DBUS_SYSTEM_BUS_ADDRESS", bus()}});
    return process_->waitForOutput("Node registered: " + name_ + " (", 10s);
  }
  void stop() {
    if (process_)
      process_->stop(5s);
  }

  const std::string& name() const { return name_; }
  std::string agent() const { return "agent-" + std::to_string(index_); }
  std::string ns() const { return gPrefix + "-" + std::to_string(index_); }
  std::string bus() const {
    return "unix:path=/tmp/rivet-netns/" + gPrefix + "/" + std::to_string(index_) + "/bus";
  }
  std::string configPath() const { return dir_.file("rivet.yaml"); }
  std::string output() const { return process_ ? process_->output() : ""; }

  std::vector<std::string> inNamespace(const std::vector<std::string>& argv) const {
    std::vector<std::string> all = {ipPath(), "netns", "exec", ns()};
    all.insert(all.end(), argv.begin(), argv.end());
    return all;
  }
  RunResult rivetctl(const std::vector<std::string>& args) const {
    std::vector<std::string> argv = {binPath("rivetctl"), "--config", configPath()};
    argv.insert(argv.end(), args.begin(), args.end());
    return run(inNamespace(argv), {}, 30s);
  }
  RunResult send(const std::string& agent, const std::string& task) const {
    return rivetctl({"send", agent, task, "--timeout", "10000"});
  }
  // The record of `node` in this node's own mesh.json, as `rivetctl list --json` prints it.
  JsonObject entry(const std::string& node) const {
    RunResult r = rivetctl({"list", "--json"});
    if (r.exitCode != 0)
      return nullptr;
    try {
      auto nodes = Poco::JSON::Parser().parse(r.out).extract<Poco::JSON::Array::Ptr>();
      for (size_t i = 0; i < nodes->size(); ++i) {
        JsonObject n = nodes->getObject(static_cast<unsigned>(i));
        if (n && n->optValue<std::string>("name", "") == node)
          return n;
      }
    } catch (const std::exception&) {
    }
    return nullptr;
  }
  std::string statusOf(const std::string& node) const {
    JsonObject e = entry(node);
    return e ? e->optValue<std::string>("status", "") : "";
  }
  // `node` is online here at its namespace address with its agent, refreshed at or after
  // `sinceMs` (epoch ms).
  bool seesOnline(const MdnsNode& node, int64_t sinceMs = 0) const {
    JsonObject e = entry(node.name());
    if (!e || e->optValue<std::string>("status", "") != "online" ||
        e->optValue<std::string>("host", "") != addressOf(node.index_) ||
        e->optValue<int64_t>("lastSeen", 0) < sinceMs)
      return false;
    auto agents = e->getArray("agents");
    return agents && agents->size() == 1 && agents->getElement<std::string>(0) == node.agent();
  }

private:
  TempDir dir_;
  int index_;
  std::string name_;
  std::unique_ptr<Process> process_;
};

class MdnsDiscovery : public ::testing::Test {
protected:
  static void SetUpTestSuite() {
    skip_ = skipReason();
    missing_ = missingTools();
    if (!skip_.empty() || !missing_.empty())
      return;
    downStaleRuns();
    gPrefix = "mi" + std::to_string(getpid());
    std::snprintf(gDownArgs[0], sizeof gDownArgs[0], "%s", kScript.c_str());
    std::snprintf(gDownArgs[1], sizeof gDownArgs[1], "down");
    std::snprintf(gDownArgs[2], sizeof gDownArgs[2], "%s", gPrefix.c_str());
    gUp = 1; // from here on, `down` runs whatever happens (it is safe after a failed `up`)
    static bool registered = false;
    if (!registered)
      std::atexit(downNow);
    registered = true;
    for (int sig : kFatalSignals)
      std::signal(sig, onFatalSignal);
    if (script({"up", gPrefix, std::to_string(kNodes)}) != 0) {
      upFailed_ = true;
      return;
    }
    pki_ = std::make_unique<TestPki>();
    for (int i = 1; i <= kNodes; ++i)
      pki_->issueNode("node-" + std::to_string(i));
  }
  static void TearDownTestSuite() {
    pki_.reset();
    if (gUp)
      script({"down", gPrefix});
    gUp = 0;
    for (int sig : kFatalSignals)
      std::signal(sig, SIG_DFL);
  }
  void SetUp() override {
    if (!skip_.empty())
      GTEST_SKIP() << skip_;
    ASSERT_TRUE(missing_.empty()) << missing_;
    ASSERT_FALSE(upFailed_) << "scripts/netns-mdns.sh up " << gPrefix << " failed (see above)";
    for (int i = 1; i <= kNodes; ++i)
      nodes_.push_back(std::make_unique<MdnsNode>(*pki_, i));
  }

  MdnsNode& node(int i) { return *nodes_.at(static_cast<size_t>(i - 1)); }
  std::string outputs() {
    std::string all;
    for (const auto& n : nodes_)
      all += "--- " + n->name() + ":\n" + n->output();
    return all;
  }
  bool allSeeAllOnline(int64_t sinceMs = 0) {
    for (const auto& a : nodes_)
      for (const auto& b : nodes_)
        if (a != b && !a->seesOnline(*b, sinceMs))
          return false;
    return true;
  }
  void startAll() {
    for (const auto& n : nodes_)
      ASSERT_TRUE(n->start()) << n->output();
    ASSERT_TRUE(eventually([&] { return allSeeAllOnline(); }, kConverge)) << outputs();
  }

  static std::string skip_;
  static std::string missing_;
  static bool upFailed_;
  static std::unique_ptr<TestPki> pki_;
  std::vector<std::unique_ptr<MdnsNode>> nodes_;
};

std::string MdnsDiscovery::skip_;
std::string MdnsDiscovery::missing_;
bool MdnsDiscovery::upFailed_ = false;
std::unique_ptr<TestPki> MdnsDiscovery::pki_;

TEST_F(MdnsDiscovery, NodesInThreeNamespacesFindEachOtherVerifyAndDelegate) {
  startAll();
  for (int i = 1; i <= kNodes; ++i) {
    for (int j = 1; j <= kNodes; ++j) {
      if (i == j)
        continue;
      EXPECT_TRUE(logged(node(i).output(), "INFO",
                         {"mDNS: found peer node-" + std::to_string(j) + " at " + addressOf(j) +
                          ":" + std::to_string(kPort)}))
          << node(i).output();
      const std::string task = "hi from " + node(i).name() + " to " + node(j).agent();
      RunResult r = node(i).send(node(j).agent(), task);
      EXPECT_EQ(r.exitCode, 0) << task << ": " << r.err;
      EXPECT_TRUE(contains(r.out, task)) << task << ": " << r.out;
    }
    EXPECT_TRUE(logged(node(i).output(), "INFO",
                       {"mDNS: published '" + node(i).name() + "' as _rivetos._tcp on port 3000",
                        "(agents: " + node(i).agent() + ")"}))
        << node(i).output();
  }
}

TEST_F(MdnsDiscovery, StoppedNodeGoesOfflineOnTheOthersAndIsOnlineAgainWhenRestarted) {
  startAll();
  node(2).stop();
  EXPECT_TRUE(logged(node(2).output(), "INFO", {"mDNS: withdrew service 'node-2'"}))
      << node(2).output();
  ASSERT_TRUE(eventually(
      [&] {
        return node(1).statusOf("node-2") == "offline" && node(3).statusOf("node-2") == "offline";
      },
      kConverge))
      << outputs();
  for (int i : {1, 3}) {
    EXPECT_TRUE(logged(node(i).output(), "INFO", {"mDNS: peer node-2 withdrew its service"}))
        << node(i).output();
    EXPECT_NE(node(i).send("agent-2", "while node-2 is down").exitCode, 0);
  }

  const int64_t restartedAt = epochMs();
  ASSERT_TRUE(node(2).start()) << node(2).output();
  ASSERT_TRUE(eventually([&] { return allSeeAllOnline(restartedAt); }, kConverge)) << outputs();
  for (int i : {1, 3}) {
    RunResult r = node(i).send("agent-2", "after the restart");
    EXPECT_EQ(r.exitCode, 0) << node(i).name() << ": " << r.err;
    EXPECT_TRUE(contains(r.out, "after the restart")) << r.out;
  }
}

TEST_F(MdnsDiscovery, NodeIsFoundAgainAndFindsTheOthersAfterItsAvahiDaemonRestarts) {
  startAll();
  const size_t mark3 = node(3).output().size();
  const size_t mark1 = node(1).output().size();
  const int64_t restartedAt = epochMs();
  ASSERT_EQ(script({"restart-avahi", gPrefix, "3"}), 0);

  ASSERT_TRUE(eventually(
      [&] {
        std::string since = node(3).output().substr(mark3);
        return logged(since, "INFO", {"mDNS: avahi-daemon", "is back"}) &&
               logged(since, "INFO", {"mDNS: found peer node-1"}) &&
               logged(since, "INFO", {"mDNS: found peer node-2"});
      },
      kConverge))
      << node(3).output();
  std::string since3 = node(3).output().substr(mark3);
  EXPECT_TRUE(logged(since3, "WARN", {"mDNS: lost avahi-daemon"})) << since3;
  // node-1 hears the goodbye of the stopping daemon only if it arrives in time; when it did, it
  // must find node-3 again once node-3 republished.
  EXPECT_TRUE(eventually(
      [&] {
        std::string since1 = node(1).output().substr(mark1);
        return !logged(since1, "INFO", {"mDNS: peer node-3 withdrew"}) ||
               logged(since1, "INFO", {"mDNS: found peer node-3"});
      },
      kConverge))
      << "node-1 lost node-3 and did not find it again after it republished\n"
      << node(1).output();
  EXPECT_TRUE(eventually([&] { return allSeeAllOnline(restartedAt); }, kConverge)) << outputs();
  RunResult r = node(1).send("agent-3", "after avahi restarted");
  EXPECT_EQ(r.exitCode, 0) << r.err;
  r = node(3).send("agent-1", "from behind the restarted avahi");
  EXPECT_EQ(r.exitCode, 0) << r.err;
}

TEST_F(MdnsDiscovery, AdvertisementForANameTheCertificateDoesNotCarryIsNeverTrusted) {
  startAll();
  // An impostor announces itself at node-2's address and port, claiming agent "secret".
  Process impostor(node(2).inNamespace({"/usr/bin/avahi-publish", "-s", "impostor", "_rivetos._tcp",
                                        std::to_string(kPort), "node=impostor",
                                        "port=" + std::to_string(kPort), "agents=secret"}),
                   Env{{"DBUS_SYSTEM_BUS_ADDRESS", node(2).bus()}});
  ASSERT_TRUE(eventually(
      [&] {
        return logged(node(1).output(), "WARN",
                      {"Peer impostor at " + addressOf(2) + ":3000 not verified",
                       "expecting impostor.mesh", "not valid for"});
      },
      kConverge))
      << node(1).output() << impostor.output();
  EXPECT_TRUE(logged(node(1).output(), "INFO", {"mDNS: found peer impostor at " + addressOf(2)}));
  std::this_thread::sleep_for(1s); // more attempts, none of which may succeed
  for (int i : {1, 3}) {
    EXPECT_FALSE(contains(node(i).output(), "Peer verified: impostor")) << node(i).output();
    EXPECT_EQ(node(i).statusOf("impostor"), "");
    RunResult r = node(i).send("secret", "to the impostor");
    EXPECT_NE(r.exitCode, 0) << r.out;
    EXPECT_TRUE(contains(r.err, "\"secret\" not found")) << r.err;
    EXPECT_TRUE(node(i).seesOnline(node(2))) << "the real node-2 is unaffected";
  }
  impostor.stop();
}

// No D-Bus at all (no namespace needed): one ERROR line says what to start, and the node serves.
TEST(MdnsDiscoveryWithoutDbus, SaysOnceWhatToStartAndKeepsServing) {
  TestPki pki;
  NodeSettings s = nodeSettings(pki, "node-a");
  s.agentsYaml = "agents:\n  echo:\n    plugin: echo\n";
  TempDir dir;
  s.port = freePort();
  std::string config = writeNodeConfig(dir, s);
  std::string yaml = readFile(config);
  yaml.replace(yaml.find("mesh:\n"), 6, "mesh:\n  discovery:\n    mode: mdns\n");
  writeFile(config, yaml);
  Process rivetd({binPath("rivetd"), "--config", config},
                 Env{{"DBUS_SYSTEM_BUS_ADDRESS", "unix:path=" + dir.file("no-such-bus")}});
  ASSERT_TRUE(rivetd.waitForOutput("Node registered: node-a (", 10s)) << rivetd.output();
  ASSERT_TRUE(rivetd.waitForOutput("mDNS discovery is unavailable", 5s)) << rivetd.output();
  std::this_thread::sleep_for(3500ms); // past one quiet retry

  const std::string out = rivetd.output();
  EXPECT_EQ(countLogged(out, "ERROR", {}), 1u) << out;
  EXPECT_TRUE(logged(out, "ERROR",
                     {"[Discovery] mDNS discovery is unavailable", dir.file("no-such-bus"),
                      "start dbus-daemon and avahi-daemon", "keeps serving without mDNS"}))
      << out;
  RunResult r = run({binPath("rivetctl"), "--config", config, "send", "echo", "still serving"});
  EXPECT_EQ(r.exitCode, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "still serving"));
  rivetd.stop();
}

} // namespace
