// A peer that accepts TCP and never finishes TLS costs the sender the connect timeout, not the
// task's deadline: nothing was delivered, so the next node is tried within seconds.
#include "MeshNode.hpp"

#include <gtest/gtest.h>

#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/StreamSocket.h>

#include <atomic>
#include <thread>

using namespace rivet::test;
using namespace std::chrono_literals;

namespace {

// Accepts connections and holds them open without a byte, until destroyed.
class StallingListener {
public:
  StallingListener() : socket_(Poco::Net::SocketAddress("127.0.0.1", 0)) {
    thread_ = std::thread([this] {
      while (!stop_) {
        if (socket_.poll(Poco::Timespan(0, 50000), Poco::Net::Socket::SELECT_READ))
          held_.push_back(socket_.acceptConnection());
      }
    });
  }
  ~StallingListener() {
    stop_ = true;
    thread_.join();
  }
  int port() const { return socket_.address().port(); }

private:
  Poco::Net::ServerSocket socket_;
  std::vector<Poco::Net::StreamSocket> held_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

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
