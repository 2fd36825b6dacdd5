// TLS session resumption on the agent channel: a client that reconnects resumes its session (the
// server keeps it in its cache) and is served as after a full handshake.
#include "MeshTestKit.hpp"

#include <gtest/gtest.h>

#include <regex>

using namespace rivet::test;

namespace {

// A number field of rivetctl bench's one-line JSON report, or -1.
long field(const std::string& json, const std::string& name) {
  std::smatch m;
  if (!std::regex_search(json, m, std::regex("\"" + name + "\":([0-9]+)")))
    return -1;
  return std::stol(m[1]);
}

class TlsResumption : public ::testing::Test {
protected:
  void SetUp() override {
    pki_.issueNode("node-b");
    node_ = std::make_unique<NodeProcess>(nodeSettings(pki_, "node-a"));
    ASSERT_TRUE(node_->ready()) << node_->output();
  }

  // rivetctl bench as node-b: `requests` requests, each on a new connection that resumes the
  // previous one's session; returns its JSON report.
  RunResult bench(const std::string& path, int requests, std::vector<std::string> extra = {}) {
    std::vector<std::string> argv = {binPath("rivetctl"),
                                     "bench",
                                     "--url",
                                     "https://127.0.0.1:" + std::to_string(node_->port()) + path,
                                     "--name",
                                     "node-a.mesh",
                                     "--cert",
                                     pki_.file("ca/issued/node-b.crt"),
                                     "--key",
                                     pki_.file("ca/issued/node-b.key"),
                                     "--ca",
                                     pki_.chainPath(),
                                     "--new-connection",
                                     "--resume",
                                     "--concurrency",
                                     "1",
                                     "--requests",
                                     std::to_string(requests),
                                     "--duration",
                                     "30",
                                     "--json"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return run(argv);
  }

  TestPki pki_;
  std::unique_ptr<NodeProcess> node_;
};

TEST_F(TlsResumption, ReconnectingClientResumesItsSessionAndIsServed) {
  RunResult r = bench("/api/mesh/ping", 20);
  ASSERT_EQ(r.exitCode, 0) << r.out << r.err;
  EXPECT_EQ(field(r.out, "errors"), 0) << r.out;
  EXPECT_EQ(field(r.out, "handshakes"), 20) << r.out;
  EXPECT_EQ(field(r.out, "resumed"), 19) << r.out; // all but the first
}

TEST_F(TlsResumption, MessagesOnResumedConnectionsAreAnswered) {
  RunResult r = bench("/api/message", 10,
                      {"--method", "POST", "--body",
                       R"({"fromAgent":"bench","toAgent":"echo","message":"hello"})"});
  ASSERT_EQ(r.exitCode, 0) << r.out << r.err;
  EXPECT_EQ(field(r.out, "errors"), 0) << r.out;
  EXPECT_EQ(field(r.out, "resumed"), 9) << r.out;
}

} // namespace
