// A peer that accepts TCP and never finishes TLS costs the sender the connect timeout, not the
// task's deadline: nothing was delivered, so the next node is tried within seconds.
#include "MeshNode.hpp"
#include "StallingListener.hpp"

#include <gtest/gtest.h>

#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/StreamSocket.h>

#include <atomic>
#include <thread>

using namespace rivet::test;
using namespace std::chrono_literals;

namespace {

TEST(PeerTimeouts, PeerStallingInTheHandshakeIsSkippedWithinTheConnectTimeout) {
  TestPki pki;
  TempDir storage;
  StallingListener stall;
  MeshNode a(pki, storage.path(), "node-a", "agents:\n  echo:\n    plugin: echo\n");
  // node-b heartbeats rarely, so the stalling entry joined below is the most recently seen.
  MeshNode b(pki, storage.path(), "node-b", "agents:\n  alpha:\n    plugin: echo\n",
             "  heartbeat_interval_ms: 20000\n  stale_threshold_ms: 60000\n");
  ASSERT_TRUE(a.start() && b.start()) << a.output() << b.output();
  pki.issueNode("node-stall");
  TlsClientOptions o = clientOptions(pki, "node-stall", "node-a.mesh");
  TestTlsClient client(o);
  HttpResponse joined;
  ASSERT_TRUE(client.connect(a.port()));
  ASSERT_TRUE(
      client.request("POST", "/api/mesh/join",
                     R"({"id":"node-stall","name":"node-stall","host":"127.0.0.1","port":)" +
                         std::to_string(stall.port()) + R"(,"agents":["alpha"]})",
                     joined));
  ASSERT_EQ(joined.status, 200) << joined.body;

  size_t mark = a.mark();
  auto before = Clock::now();
  RunResult r = rivetctl(a, {"send", "alpha", "still answered", "--timeout", "60000"});
  auto took = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - before);
  EXPECT_EQ(r.exitCode, 0) << r.err << a.outputSince(mark);
  EXPECT_EQ(r.out, "still answered\n");
  EXPECT_LT(took, 12s) << "waited for the task's deadline instead of the connect timeout";
  EXPECT_PRED2(contains, a.outputSince(mark), "Delegating to alpha remotely via node-stall");
}

} // namespace
