// rivetctl ping/agents against a running node over mTLS: JSON on stdout and exit 0, or exit 1
// with one stderr line that says what went wrong (name mismatch, refused, TLS, timed out).
#include "MeshTestKit.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace rivet::test;

namespace {

// A TCP port that accepts connections (the kernel completes them) but never speaks TLS.
class SilentListener {
public:
  SilentListener() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    ::listen(fd_, 8);
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
  }
  ~SilentListener() { ::close(fd_); }
  int port() const { return port_; }

private:
  int fd_ = -1;
  int port_ = 0;
};

class RivetctlNode : public ::testing::Test {
protected:
  static void SetUpTestSuite() {
    pki_ = new TestPki;
    dirB_ = new TempDir;
    configB_ = new std::string(writeNodeConfig(*dirB_, nodeSettings(*pki_, "node-b")));
    node_ = new NodeProcess(nodeSettings(*pki_, "node-a"));
  }
  static void TearDownTestSuite() {
    delete node_;
    delete configB_;
    delete dirB_;
    delete pki_;
    node_ = nullptr;
    configB_ = nullptr;
    dirB_ = nullptr;
    pki_ = nullptr;
  }
  void SetUp() override { ASSERT_TRUE(node_->ready()) << node_->output(); }

  static RunResult rivetctl(const std::string& config, std::vector<std::string> args) {
    std::vector<std::string> argv = {binPath("rivetctl"), "--config", config};
    argv.insert(argv.end(), args.begin(), args.end());
    return run(argv, {}, std::chrono::seconds(15));
  }
  static std::string nodeA() { return "127.0.0.1:" + std::to_string(node_->port()); }

  // Exit 1 and exactly one stderr line containing `reason`.
  static void expectFailure(const RunResult& r, const std::string& reason) {
    EXPECT_EQ(r.exitCode, 1) << r.out << r.err;
    EXPECT_EQ(r.out, "");
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_PRED2(contains, r.err, reason);
  }

  static TestPki* pki_;
  static TempDir* dirB_;
  static std::string* configB_;
  static NodeProcess* node_;
};

TestPki* RivetctlNode::pki_ = nullptr;
TempDir* RivetctlNode::dirB_ = nullptr;
std::string* RivetctlNode::configB_ = nullptr;
NodeProcess* RivetctlNode::node_ = nullptr;

} // namespace

TEST_F(RivetctlNode, PingVerifiesTheNamedNodeAndPrintsItsJson) {
  RunResult r = rivetctl(*configB_, {"ping", nodeA(), "--name", "node-a"});
  EXPECT_EQ(r.exitCode, 0) << r.err;
  EXPECT_EQ(r.out, "{\"ok\":true,\"status\":\"ok\",\"tls\":true,\"node\":\"node-a\",\"cn\":\"node-"
                   "b\",\"features\":[\"tasks\"]}\n");
  EXPECT_EQ(r.err, "");
}

TEST_F(RivetctlNode, AgentsPrintsTheNodesAgentList) {
  RunResult r = rivetctl(*configB_, {"agents", nodeA(), "--name", "node-a"});
  EXPECT_EQ(r.exitCode, 0) << r.err;
  EXPECT_EQ(r.out, "{\"agents\":[{\"id\":\"echo\",\"name\":\"echo\",\"provider\":\"echo\"}]}\n");
}

TEST_F(RivetctlNode, PingExpectingAnotherNodeFailsWithNameMismatch) {
  RunResult r = rivetctl(*configB_, {"ping", nodeA(), "--name", "node-c"});
  expectFailure(r, "name mismatch");
  EXPECT_PRED2(contains, r.err, "node-c.mesh");
}

TEST_F(RivetctlNode, PingOfClosedPortFailsWithConnectionRefused) {
  RunResult r =
      rivetctl(*configB_, {"ping", "127.0.0.1:" + std::to_string(freePort()), "--name", "node-a"});
  expectFailure(r, "connection refused");
}

TEST_F(RivetctlNode, PingOfSilentPortFailsWithTimedOut) {
  SilentListener silent;
  auto started = std::chrono::steady_clock::now();
  RunResult r = rivetctl(*configB_, {"ping", "127.0.0.1:" + std::to_string(silent.port()), "--name",
                                     "node-a", "--timeout", "300"});
  expectFailure(r, "timed out");
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(3));
}

TEST_F(RivetctlNode, PingWithCertificateOfAnotherCaFailsWithTlsVerification) {
  TestPki foreign;
  TempDir dir;
  std::string config = writeNodeConfig(dir, nodeSettings(foreign, "node-b"));
  RunResult r = rivetctl(config, {"ping", nodeA(), "--name", "node-a"});
  expectFailure(r, "TLS verification failed");
}

TEST_F(RivetctlNode, PingWithoutAddressReachesTheLocalNodeOfItsConfig) {
  RunResult r = rivetctl(node_->configPath(), {"ping"});
  EXPECT_EQ(r.exitCode, 0) << r.err;
  EXPECT_EQ(r.out, "{\"ok\":true,\"status\":\"ok\",\"tls\":true,\"node\":\"node-a\",\"cn\":\"node-"
                   "a\",\"features\":[\"tasks\"]}\n");
}
