// rivetd --check-config runs every check start-up runs (TLS files and identity, required
// plugins, each agent's settings through its plugin), reports all errors with file:line and key,
// exits 78, and never starts, listens or writes mesh.json.
#include "MeshTestKit.hpp"

#include <gtest/gtest.h>

#include <sys/stat.h>

#include <arpa/inet.h>
#include <chrono>
#include <filesystem>
#include <netinet/in.h>
#include <sstream>
#include <sys/socket.h>
#include <unistd.h>

using namespace rivet::test;

namespace {

class CheckConfig : public ::testing::Test {
protected:
  static void SetUpTestSuite() { pki_ = new TestPki; }
  static void TearDownTestSuite() {
    delete pki_;
    pki_ = nullptr;
  }

  RunResult check(const NodeSettings& s) { return checkFile(writeNodeConfig(dir_, s)); }
  static RunResult checkFile(const std::string& path) {
    return run({binPath("rivetd"), "--config", path, "--check-config"}, {},
               std::chrono::seconds(20));
  }

  static std::vector<std::string> errorLines(const std::string& err) {
    std::vector<std::string> lines;
    std::istringstream in(err);
    for (std::string line; std::getline(in, line);)
      if (contains(line, "ERROR"))
        lines.push_back(line);
    return lines;
  }

  // Exit 78 and one error line per entry of `expected`, each containing all of its needles.
  static void expectErrors(const RunResult& r,
                           const std::vector<std::vector<std::string>>& expected) {
    EXPECT_EQ(r.exitCode, 78) << r.err;
    EXPECT_FALSE(contains(r.out, "configuration OK")) << r.out;
    auto lines = errorLines(r.err);
    ASSERT_EQ(lines.size(), expected.size()) << r.err;
    for (size_t i = 0; i < expected.size(); ++i)
      for (const auto& needle : expected[i])
        EXPECT_PRED2(contains, lines[i], needle) << r.err;
  }

  static TestPki* pki_;
  TempDir dir_;
};

TestPki* CheckConfig::pki_ = nullptr;

bool portIsFree(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool free = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return free;
}

} // namespace

TEST_F(CheckConfig, PassesAMatchingMeshNodeWithoutListeningOrWritingTheRegistry) {
  NodeSettings s = nodeSettings(*pki_, "node-a");
  s.port = freePort();
  RunResult r = check(s);
  EXPECT_EQ(r.exitCode, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "configuration OK")) << r.out;
  EXPECT_TRUE(portIsFree(s.port));
  EXPECT_FALSE(std::filesystem::exists(dir_.file("mesh.json")));
  EXPECT_FALSE(contains(r.err, "listening")) << r.err;
}

TEST_F(CheckConfig, MissingCertificateFileExits78NamingKeyLineAndPath) {
  NodeSettings s = nodeSettings(*pki_, "node-a");
  s.certPath = dir_.file("no-such-node-a.crt");
  // writeNodeConfig puts cert_path on line 9, under tls:.
  expectErrors(check(s), {{"rivet.yaml:9:5: mesh.tls.cert_path: ", s.certPath,
                           "No such file or directory", "rivetctl ca issue node-a"}});
}

TEST_F(CheckConfig, CertificatePathThatIsAFifoExits78AtOnceInsteadOfHanging) {
  NodeSettings s = nodeSettings(*pki_, "node-a");
  s.certPath = dir_.file("node-a.crt.fifo");
  ASSERT_EQ(::mkfifo(s.certPath.c_str(), 0600), 0);
  auto started = std::chrono::steady_clock::now();
  RunResult r = check(s);
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(10));
  EXPECT_EQ(r.exitCode, 78) << r.err;
  EXPECT_TRUE(contains(r.err, "mesh.tls.cert_path")) << r.err;
  EXPECT_TRUE(contains(r.err, s.certPath + " is not a regular file")) << r.err;
}

TEST_F(CheckConfig, CertificateWhoseCommonNameIsNotTheNodeNameExits78) {
  NodeSettings s = nodeSettings(*pki_, "node-a");
  s.name = "node-z";
  expectErrors(check(s), {{"rivet.yaml:", "mesh.node_name", s.certPath, "CN=node-a",
                           "does not match mesh.node_name node-z"}});
}

TEST_F(CheckConfig, KeyOfAnotherCertificateExits78NamingTheKey) {
  NodeSettings s = nodeSettings(*pki_, "node-a");
  s.keyPath = pki_->issueNode("node-b").keyPath;
  expectErrors(check(s), {{"rivet.yaml:10:5: mesh.tls.key_path: ", s.keyPath,
                           "does not belong to the certificate"}});
}

TEST_F(CheckConfig, UnknownAgentPluginExits78NamingTheAgent) {
  NodeSettings s = nodeSettings(*pki_, "node-a");
  s.agentsYaml = "agents:\n  helper:\n    plugin: nosuchplugin\n";
  expectErrors(check(s), {{"rivet.yaml:", "agents.helper.plugin: ",
                           "no plugin named 'nosuchplugin'", "set plugins.dir"}});
}

TEST_F(CheckConfig, UnknownTransportPluginExits78) {
  TempDir dir;
  writeFile(dir.file("rivet.yaml"), "mesh:\n  enabled: true\n  transport: carrier-pigeon\n"
                                    "  tls: true\nplugins:\n  dir: " +
                                        pluginDir() + "\nagents:\n  echo: {plugin: echo}\n");
  auto r = checkFile(dir.file("rivet.yaml"));
  EXPECT_EQ(r.exitCode, 78) << r.err;
  EXPECT_PRED2(contains, r.err,
               "rivet.yaml:3:3: mesh.transport: no plugin named 'transport-carrier-pigeon'");
}

TEST_F(CheckConfig, CommandArgvGivenAsAStringExits78AtTheSetting) {
  NodeSettings s = nodeSettings(*pki_, "node-a");
  s.agentsYaml = "agents:\n  reviewer:\n    plugin: command\n    argv: /bin/cat\n";
  // writeNodeConfig writes agents: on line 13, so argv is on line 16.
  expectErrors(check(s),
               {{"rivet.yaml:16:5: agents.reviewer: command: argv must be a list of strings"}});
}

TEST_F(CheckConfig, OpenAiAgentWithoutBaseUrlExits78) {
  NodeSettings s = nodeSettings(*pki_, "node-a");
  s.agentsYaml = "agents:\n  gpt:\n    plugin: openai\n    model: gpt-4o\n";
  expectErrors(check(s), {{"rivet.yaml:14:3: agents.gpt: openai: base_url is required"}});
}

TEST_F(CheckConfig, ReportsEveryErrorAtOnce) {
  NodeSettings s = nodeSettings(*pki_, "node-a");
  s.keyPath = dir_.file("missing.key");
  s.agentsYaml = "agents:\n  reviewer:\n    plugin: command\n    argv: /bin/cat\n"
                 "  other:\n    plugin: nosuchplugin\n  echo:\n    plugin: echo\n";
  expectErrors(check(s), {{"agents.reviewer: command: argv must be a list"},
                          {"agents.other.plugin: no plugin named 'nosuchplugin'"},
                          {"mesh.tls.key_path: ", s.keyPath}});
}

TEST_F(CheckConfig, BillionLaughsFailsWithinASecond) {
  std::string yaml = "agents:\n  echo:\n    plugin: echo\n    a0: &a0 [lol, lol, lol, lol, lol, "
                     "lol, lol, lol, lol, lol]\n";
  for (int i = 1; i < 10; ++i) {
    yaml += "    a" + std::to_string(i) + ": &a" + std::to_string(i) + " [";
    for (int j = 0; j < 10; ++j)
      yaml += (j ? ", *a" : "*a") + std::to_string(i - 1);
    yaml += "]\n";
  }
  writeFile(dir_.file("laughs.yaml"), yaml);
  auto started = std::chrono::steady_clock::now();
  auto r = run({binPath("rivetd"), "--config", dir_.file("laughs.yaml"), "--check-config"}, {},
               std::chrono::seconds(10));
  auto took = std::chrono::steady_clock::now() - started;
  EXPECT_EQ(r.exitCode, 78) << r.err;
  EXPECT_LT(took, std::chrono::seconds(1));
  EXPECT_PRED2(contains, r.err,
               "laughs.yaml: too many YAML nodes after alias expansion (more than 100000)");
}
