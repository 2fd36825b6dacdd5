// Operating rivetd's log: SIGHUP reopens log.file after rotation, task text stays out of INFO,
// registry joins are logged once, the listening line names the host, a bad mesh.json refuses
// start-up.
#include "MeshNode.hpp"

#include <gtest/gtest.h>

#include <csignal>
#include <filesystem>
#include <functional>
#include <memory>
#include <set>
#include <sstream>
#include <sys/stat.h>
#include <vector>

using namespace rivet::test;

namespace {

std::string devConfig(const TempDir& dir, const std::string& extra = "") {
  std::string path = dir.file("rivet.yaml");
  writeFile(path, "mesh:\n  node_name: testnode\n  storage_dir: " + dir.file("storage") +
                      "\n  state_dir: " + dir.file("state") + "\nplugins:\n  dir: " + pluginDir() +
                      "\nagents:\n  echo:\n    plugin: echo\n" + extra);
  return path;
}

bool fileHas(const std::string& path, const std::string& text) {
  return eventually([&] { return contains(readFile(path), text); }, 10s);
}

} // namespace

TEST(OpsLogs, SighupReopensTheLogFileAfterRotation) {
  TempDir dir;
  const std::string log = dir.file("rivetd.log"), rotated = dir.file("rivetd.log.1");
  Process p({binPath("rivetd"), "--config", devConfig(dir, "log:\n  file: " + log + "\n")});
  ASSERT_TRUE(fileHas(log, "ready:")) << p.output() << readFile(log);
  std::filesystem::rename(log, rotated);
  p.signal(SIGHUP);
  ASSERT_TRUE(fileHas(log, "SIGHUP: reloading TLS material")) << readFile(rotated);
  EXPECT_TRUE(contains(readFile(log), "SIGHUP: reopened log.file")) << readFile(log);
  EXPECT_EQ(p.stop(), 0);
  EXPECT_TRUE(contains(readFile(log), "rivetd stopped")) << readFile(log);
  EXPECT_FALSE(contains(readFile(rotated), "SIGHUP")) << readFile(rotated);
  EXPECT_FALSE(contains(readFile(rotated), "rivetd stopped")) << readFile(rotated);
}

TEST(OpsLogs, SighupKeepsTheOldLogFileWhenTheNewOneCannotBeOpened) {
  TempDir dir;
  const std::string log = dir.file("rivetd.log"), rotated = dir.file("rivetd.log.1");
  Process p({binPath("rivetd"), "--config", devConfig(dir, "log:\n  file: " + log + "\n")});
  ASSERT_TRUE(fileHas(log, "ready:")) << p.output() << readFile(log);
  std::filesystem::rename(log, rotated);
  std::filesystem::create_directory(log); // a folder where the file should be: cannot be opened
  p.signal(SIGHUP);
  ASSERT_TRUE(fileHas(rotated, "SIGHUP: reloading TLS material")) << readFile(rotated);
  EXPECT_TRUE(logged(readFile(rotated), "WARN", "cannot reopen log.file " + log))
      << readFile(rotated);
  EXPECT_TRUE(contains(readFile(rotated), "Is a directory")) << readFile(rotated);
  // Once the path is usable again, the next SIGHUP moves to it.
  std::filesystem::remove(log);
  p.signal(SIGHUP);
  ASSERT_TRUE(fileHas(log, "SIGHUP: reopened log.file")) << readFile(rotated);
  EXPECT_EQ(p.stop(), 0);
  EXPECT_TRUE(contains(readFile(log), "rivetd stopped")) << readFile(log);
}

// --- task text and joins, over real mTLS --------------------------------------------------------

namespace {

// 120 characters, then the secret: past the 100 a log line may carry.
const std::string kSecret = "SECRET-7f3a9c";
const std::string kTask = std::string(120, 'a') + kSecret;

// An echo agent and one that fails with the task on its stderr (the answer carries it), logging
// at DEBUG; `log` adds keys to the log: section.
std::string leakyAgents(const std::string& log = "") {
  return "agents:\n  echo:\n    plugin: echo\n" +
         commandAgent("leaky", "read x; echo \"$x\" >&2; exit 3") + "log:\n  level: debug\n" + log;
}

HttpResponse post(const TestPki& pki, const std::string& cn, const MeshNode& node,
                  const std::string& path, const std::string& body) {
  TestTlsClient client(clientOptions(pki, cn, node.name() + ".mesh"));
  HttpResponse response;
  if (!client.connect(node.port()) || !client.request("POST", path, body, response))
    ADD_FAILURE() << "POST " << path << " to " << node.name() << ": " << client.error();
  return response;
}

std::string messageTo(const std::string& agent) {
  return R"({"fromAgent":"tester","message":")" + kTask + R"(","toAgent":")" + agent + "\"}";
}

// The levels (INFO, DEBUG, ...) of the lines of `log` that contain `text`.
std::set<std::string> levelsOf(const std::string& log, const std::string& text) {
  std::set<std::string> levels;
  std::istringstream lines(log);
  for (std::string line; std::getline(lines, line);) {
    std::istringstream words(line);
    std::string time, level;
    if (contains(line, text) && words >> time >> level)
      levels.insert(level);
  }
  return levels;
}

std::string joinBody(const std::string& name, int port) {
  return R"({"id":")" + name + R"(","name":")" + name + R"(","host":"127.0.0.1","port":)" +
         std::to_string(port) + R"(,"agents":["x"]})";
}

class OpsLogsMesh : public ::testing::Test {
protected:
  static void SetUpTestSuite() { pki_ = std::make_unique<TestPki>(); }
  static void TearDownTestSuite() { pki_.reset(); }
  static std::unique_ptr<TestPki> pki_;
};
std::unique_ptr<TestPki> OpsLogsMesh::pki_;

} // namespace

TEST_F(OpsLogsMesh, TaskTextPastTheFirst100CharactersIsNeverLoggedByDefault) {
  TempDir storage;
  MeshNode a(*pki_, storage.path(), "node-a", leakyAgents());
  ASSERT_TRUE(a.start()) << a.output();
  HttpResponse ok = post(*pki_, "node-a", a, "/api/message", messageTo("echo"));
  EXPECT_EQ(ok.status, 200) << ok.body;
  EXPECT_TRUE(contains(ok.body, kSecret)) << "the echo answer carries the whole task: " << ok.body;
  HttpResponse failed = post(*pki_, "node-a", a, "/api/message", messageTo("leaky"));
  EXPECT_TRUE(contains(failed.body, kSecret)) << failed.body;
  ASSERT_TRUE(a.process().waitForOutput("(peer.cn=node-a) failed: ")) << a.output();
  EXPECT_EQ(a.process().stop(), 0);
  const std::string log = a.output();
  EXPECT_TRUE(logged(log, "INFO",
                     "Received mesh delegation peer.cn=node-a from tester → echo: " +
                         std::string(100, 'a') + "..."))
      << log;
  EXPECT_TRUE(logged(log, "ERROR", "Delegation from tester (peer.cn=node-a) failed: command "))
      << log;
  EXPECT_FALSE(contains(log, kSecret)) << log; // at no level, DEBUG included
}

TEST_F(OpsLogsMesh, TaskTextTrueLogsTheWholeTextAndAnswerAtDebugOnly) {
  TempDir storage;
  MeshNode a(*pki_, storage.path(), "node-a", leakyAgents("  task_text: true\n"));
  ASSERT_TRUE(a.start()) << a.output();
  EXPECT_EQ(post(*pki_, "node-a", a, "/api/message", messageTo("echo")).status, 200);
  post(*pki_, "node-a", a, "/api/message", messageTo("leaky"));
  ASSERT_TRUE(a.process().waitForOutput("Answer to tester: ")) << a.output();
  EXPECT_EQ(a.process().stop(), 0);
  const std::string log = a.output();
  EXPECT_EQ(levelsOf(log, kSecret), std::set<std::string>{"DEBUG"}) << log;
  EXPECT_TRUE(logged(log, "DEBUG", "Task text from tester → echo: " + kTask)) << log;
  EXPECT_TRUE(logged(log, "DEBUG", "Answer to tester: command ")) << log;
}

TEST_F(OpsLogsMesh, TaskTextMustBeABoolean) {
  TempDir dir;
  writeFile(dir.file("rivet.yaml"), "log:\n  task_text: sometimes\n");
  auto r = run({binPath("rivetd"), "--config", dir.file("rivet.yaml"), "--check-config"});
  EXPECT_EQ(r.exitCode, 78);
  EXPECT_TRUE(contains(r.err, "log.task_text")) << r.err;
}

TEST_F(OpsLogsMesh, RepeatedJoinsOfAnOnlineNodeLogAtDebugAndItsReturnAtInfo) {
  TempDir storage;
  MeshNode a(*pki_, storage.path(), "node-a",
             "agents:\n  echo:\n    plugin: echo\nlog:\n  level: debug\n");
  ASSERT_TRUE(a.start()) << a.output();
  pki_->issueNode("node-j");
  const std::string line = "Mesh join: node-j (127.0.0.1:4100) peer.cn=node-j";
  for (int i = 0; i < 3; ++i)
    ASSERT_EQ(post(*pki_, "node-j", a, "/api/mesh/join", joinBody("node-j", 4100)).status, 200);
  ASSERT_TRUE(a.process().waitForOutput(line)) << a.output();
  auto count = [&](const std::string& level) {
    std::istringstream lines(a.output());
    int n = 0;
    for (std::string l; std::getline(lines, l);)
      n += logged(l, level, line) ? 1 : 0;
    return n;
  };
  EXPECT_EQ(count("INFO"), 1) << a.output();
  EXPECT_EQ(count("DEBUG"), 2) << a.output();
  // node-j stops heartbeating: stale, marked offline by prune; its next join is news again.
  ASSERT_TRUE(eventually([&] { return statusIn(storage.path(), "node-j") == "offline"; }, 10s))
      << readFile(storage.path() + "/mesh.json");
  ASSERT_EQ(post(*pki_, "node-j", a, "/api/mesh/join", joinBody("node-j", 4100)).status, 200);
  EXPECT_TRUE(eventually([&] { return count("INFO") == 2; }, 5s)) << a.output();
  // A move to another port is news too.
  ASSERT_EQ(post(*pki_, "node-j", a, "/api/mesh/join", joinBody("node-j", 4101)).status, 200);
  EXPECT_TRUE(a.process().waitForOutput("Mesh join: node-j (127.0.0.1:4101)")) << a.output();
  EXPECT_TRUE(logged(a.output(), "INFO", "Mesh join: node-j (127.0.0.1:4101)")) << a.output();
}

TEST_F(OpsLogsMesh, MeshJsonThatIsNotAFileRefusesStartUpBeforeListening) {
  struct Case {
    const char* kind;
    std::function<void(const std::string&)> make;
  };
  const std::vector<Case> cases = {
      {"a directory", [](const std::string& p) { std::filesystem::create_directory(p); }},
      {"a FIFO", [](const std::string& p) { ASSERT_EQ(mkfifo(p.c_str(), 0644), 0); }},
      {"a symbolic link", [](const std::string& p) {
         std::filesystem::create_directory(p + ".d");
         std::filesystem::create_directory_symlink(p + ".d", p);
       }}};
  for (const Case& c : cases) {
    SCOPED_TRACE(c.kind);
    TempDir storage;
    const std::string registry = storage.file("mesh.json");
    c.make(registry);
    MeshNode a(*pki_, storage.path(), "node-a", "agents:\n  echo:\n    plugin: echo\n");
    EXPECT_FALSE(a.start());
    EXPECT_EQ(a.process().wait(10s), 78) << a.output();
    EXPECT_TRUE(logged(a.output(), "ERROR",
                       "mesh.storage_dir: " + registry + " is " + c.kind +
                           ", not a regular file; it is not read. Replace it with the registry "
                           "file (or remove it to start an empty registry)"))
        << a.output();
    EXPECT_FALSE(contains(a.output(), "Agent channel listening")) << a.output();
    EXPECT_FALSE(contains(a.output(), "cannot register")) << a.output();
  }
}

TEST_F(OpsLogsMesh, ListeningLineNamesTheHostAndRivetOsLineStays) {
  TempDir storage;
  MeshNode a(*pki_, storage.path(), "node-a", "agents:\n  echo:\n    plugin: echo\n");
  ASSERT_TRUE(a.start()) << a.output();
  const std::string port = std::to_string(a.port());
  ASSERT_TRUE(a.process().waitForOutput("advertised to peers as")) << a.output();
  EXPECT_TRUE(logged(a.output(), "INFO",
                     "[AgentChannel] Agent channel listening on :" + port + " (TLS, CN=node-a)"))
      << a.output();
  EXPECT_TRUE(logged(a.output(), "INFO",
                     "[AgentChannel] Agent channel listening on 127.0.0.1:" + port +
                         ", advertised to peers as 127.0.0.1:" + port))
      << a.output();
}
