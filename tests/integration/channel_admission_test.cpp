// Admission on a running node (mesh.channel): the caps on handshakes (per source address and in
// all), on connections and on request-body bytes held node-wide refuse the excess at once and let
// go as soon as the load does. ChannelLoad: a thousand slow-loris connections, or a flood of idle
// ones up to the cap, neither starve a legitimate client nor leak.
#include "MeshNode.hpp"
#include "RawChannelClient.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <functional>
#include <iostream>
#include <sstream>
#include <thread>

using namespace rivet::test;
using namespace std::chrono_literals;
using std::chrono::milliseconds;

namespace {

constexpr size_t kBodyLimit = 10 * 1024 * 1024;

std::string loopback(int host) {
  return "127.0.0." + std::to_string(host);
}

milliseconds since(Clock::time_point t) {
  return std::chrono::duration_cast<milliseconds>(Clock::now() - t);
}

// A running node-a with the given mesh.channel keys (indented by four spaces) and a client
// certificate for node-b. Sockets first: the node inherits the raised open-file limit.
class ChannelTestNode {
public:
  explicit ChannelTestNode(const std::string& channelKeys) {
    prepareForManySockets();
    pki_.issueNode("node-b");
    node_ = std::make_unique<MeshNode>(pki_, storage_.path(), "node-a",
                                       "agents:\n  echo:\n    plugin: echo\n",
                                       channelKeys.empty() ? "" : "  channel:\n" + channelKeys);
    started_ = node_->start();
  }
  bool started() const { return started_; }
  std::string output() const { return node_->output(); }
  int port() const { return node_->port(); }
  int pid() { return node_->process().pid(); }
  TlsClientOptions client(const std::string& from = "") const {
    TlsClientOptions o = clientOptions(pki_, "node-b", "node-a.mesh");
    o.bindAddress = from;
    return o;
  }
  // The status of a ping on a fresh connection from `from`; 0 when it was not answered.
  int pingFrom(const std::string& from) const {
    TestTlsClient c(client(from));
    HttpResponse r;
    return c.connect(port()) && c.get("/api/mesh/ping", r) ? r.status : 0;
  }

private:
  TestPki pki_;
  TempDir storage_;
  std::unique_ptr<MeshNode> node_;
  bool started_ = false;
};

// `count` TCP connections from `address` that send nothing: handshakes that never start.
void openSilent(std::vector<std::unique_ptr<RawChannelClient>>& into, const std::string& address,
                int port, int count) {
  for (int i = 0; i < count; ++i) {
    into.push_back(std::make_unique<RawChannelClient>(address));
    ASSERT_TRUE(into.back()->connect(port)) << address << ": " << into.back()->error();
  }
}

// A connection from `address` past a cap: the server closes it at once, before any TLS.
void expectClosedAtOnce(const std::string& address, int port, const std::string& what) {
  RawChannelClient extra(address);
  ASSERT_TRUE(extra.connect(port)) << extra.error();
  EXPECT_TRUE(extra.waitForClose(300ms)) << what << " from " << address << " stayed open";
}

} // namespace

TEST(ChannelAdmission, HandshakesFromOneAddressPastItsCapAreClosedAtOnce) {
  ChannelTestNode n("    max_handshakes_per_address: 4\n");
  ASSERT_TRUE(n.started()) << n.output();
  std::vector<std::unique_ptr<RawChannelClient>> pending;
  openSilent(pending, "127.0.0.2", n.port(), 4);
  std::this_thread::sleep_for(200ms); // accepted and counted
  expectClosedAtOnce("127.0.0.2", n.port(), "a 5th handshake");
  for (auto& c : pending)
    EXPECT_FALSE(c->waitForClose(0ms)) << "a handshake within the cap was closed";
  EXPECT_EQ(n.pingFrom("127.0.0.1"), 200) << "another address was refused";
  pending.clear();
  EXPECT_TRUE(eventually([&] { return n.pingFrom("127.0.0.2") == 200; }, 2s))
      << "127.0.0.2 was still refused after its handshakes ended";
}

TEST(ChannelAdmission, HandshakesPastTheTotalCapAreClosedAtOnceUntilSomeEnd) {
  ChannelTestNode n("    max_handshakes: 8\n    max_handshakes_per_address: 8\n");
  ASSERT_TRUE(n.started()) << n.output();
  std::vector<std::unique_ptr<RawChannelClient>> pending;
  for (int i = 2; i <= 9; ++i)
    openSilent(pending, loopback(i), n.port(), 1);
  std::this_thread::sleep_for(200ms);
  expectClosedAtOnce(loopback(10), n.port(), "a 9th handshake");
  pending.clear();
  EXPECT_TRUE(eventually([&] { return n.pingFrom(loopback(10)) == 200; }, 2s))
      << "no client was served after the pending handshakes ended";
}

TEST(ChannelAdmission, ConnectionsPastMaxConnectionsAreClosedAtOnceUntilSomeClose) {
  ChannelTestNode n("    max_connections: 20\n");
  ASSERT_TRUE(n.started()) << n.output();
  std::vector<std::unique_ptr<TestTlsClient>> idle;
  for (int i = 0; i < 20; ++i) {
    idle.push_back(std::make_unique<TestTlsClient>(n.client()));
    HttpResponse r;
    ASSERT_TRUE(idle.back()->connect(n.port()) && idle.back()->get("/api/mesh/ping", r))
        << "connection " << i + 1 << ": " << idle.back()->error();
    ASSERT_EQ(r.header("connection"), "keep-alive");
  }
  expectClosedAtOnce("127.0.0.1", n.port(), "a 21st connection");
  EXPECT_EQ(n.pingFrom("127.0.0.1"), 0) << "a 21st TLS client was served";
  idle.resize(15);
  EXPECT_TRUE(eventually([&] { return n.pingFrom("127.0.0.1") == 200; }, 2s))
      << "still refused after 5 of the 20 connections closed";
  HttpResponse r;
  ASSERT_TRUE(idle.front()->get("/api/mesh/ping", r)) << idle.front()->error();
  EXPECT_EQ(r.status, 200) << "an open keep-alive connection stopped working";
}

TEST(ChannelAdmission, BodyThatDoesNotFitTheInflightBudgetGets503AtOnceUntilTheBudgetIsBack) {
  ChannelTestNode n("    max_inflight_body_bytes: 10485760\n");
  ASSERT_TRUE(n.started()) << n.output();
  // One body of the whole budget, all of it held but its last 16 bytes (heads alone hold
  // nothing: the budget counts the bytes that arrived).
  std::string big = R"({"fromAgent":"grok","message":"big"})";
  big.resize(kBodyLimit, ' ');
  TestTlsClient holder(n.client());
  ASSERT_TRUE(holder.connect(n.port())) << holder.error();
  ASSERT_TRUE(holder.sendRaw("POST /api/message HTTP/1.1\r\nHost: node-a.mesh\r\nContent-Length: " +
                             std::to_string(kBodyLimit) + "\r\n\r\n" +
                             big.substr(0, kBodyLimit - 16)));
  std::this_thread::sleep_for(500ms);

  const std::string small = R"({"fromAgent":"grok","message":"small"})";
  const std::map<std::string, std::map<std::string, std::string>> framings = {
      {"Content-Length", {}},
      {"chunked", {{"Transfer-Encoding", "chunked"}}},
  };
  for (const auto& [framing, headers] : framings) {
    std::ostringstream chunked;
    chunked << std::hex << small.size() << "\r\n" << small << "\r\n0\r\n\r\n";
    std::string body = framing == "chunked" ? chunked.str() : small;
    TestTlsClient refused(n.client());
    ASSERT_TRUE(refused.connect(n.port())) << refused.error();
    auto started = Clock::now();
    HttpResponse r;
    ASSERT_TRUE(refused.request("POST", "/api/message", body, r, headers)) << refused.error();
    auto took = since(started);
    EXPECT_EQ(r.status, 503) << framing << ": " << r.body;
    EXPECT_NE(r.header("retry-after"), "") << framing;
    EXPECT_EQ(r.header("connection"), "close") << framing;
    EXPECT_EQ(r.header("content-type"), "application/json") << framing;
    JsonObject error = parseObject(r.body);
    EXPECT_TRUE(error && error->has("error")) << framing << ": " << r.body;
    EXPECT_LT(took.count(), 1000) << framing << ": the refusal was not at once";
    EXPECT_TRUE(refused.waitForClose(1s)) << framing << ": the connection stayed open";
  }
  EXPECT_EQ(n.pingFrom("127.0.0.1"), 200) << "a GET was refused while the budget was spent";

  ASSERT_TRUE(holder.sendRaw(big.substr(kBodyLimit - 16))) << holder.error();
  HttpResponse done;
  ASSERT_TRUE(holder.readResponse(done)) << holder.error();
  EXPECT_EQ(done.status, 200) << done.body;
  EXPECT_PRED2(contains, done.body, R"("response":"big")");
  TestTlsClient after(n.client());
  HttpResponse r;
  ASSERT_TRUE(after.connect(n.port()) && after.request("POST", "/api/message", small, r))
      << after.error();
  EXPECT_EQ(r.status, 200) << "the budget did not come back: " << r.body;
}

namespace {

// For `window`, a ping every 100 ms from 127.0.0.1, alternately on one keep-alive connection and
// on a fresh one (handshake included); every one answered within 500 ms.
void expectLegitimateClientServed(const ChannelTestNode& n, milliseconds window) {
  std::vector<long> kept, fresh;
  TestTlsClient keepAlive(n.client("127.0.0.1"));
  ASSERT_TRUE(keepAlive.connect(n.port())) << keepAlive.error();
  for (auto started = Clock::now(); since(started) < window;) {
    auto t = Clock::now();
    HttpResponse r;
    EXPECT_TRUE(keepAlive.get("/api/mesh/ping", r) && r.status == 200) << keepAlive.error();
    kept.push_back(since(t).count());
    t = Clock::now();
    EXPECT_EQ(n.pingFrom("127.0.0.1"), 200) << "a new connection was not served";
    fresh.push_back(since(t).count());
    std::this_thread::sleep_for(100ms);
  }
  for (auto* times : {&kept, &fresh}) {
    std::sort(times->begin(), times->end());
    EXPECT_LT(times->back(), 500) << (times == &kept ? "keep-alive" : "new-connection")
                                  << " pings: " << times->size() << ", median "
                                  << (*times)[times->size() / 2] << " ms, slowest " << times->back()
                                  << " ms";
  }
}

// Calls send(connection, tick) for every connection every 200 ms until destroyed.
template <class Connection> class Trickle {
public:
  using Send = std::function<void(Connection&, size_t)>;
  Trickle(std::vector<std::unique_ptr<Connection>>& crowd, Send send)
      : thread_([this, &crowd, send] {
          for (size_t tick = 0; !stop_; ++tick) {
            for (auto& c : crowd)
              send(*c, tick);
            std::this_thread::sleep_for(200ms);
          }
        }) {}
  ~Trickle() {
    stop_ = true;
    thread_.join();
  }

private:
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// Bench-class load: under a sanitizer each handshake and byte costs several times as much, and the
// latency bound would measure the sanitizer. The test stages have no label to leave tests out by,
// so these leave themselves out there.
#if defined(RIVET_ASAN) || defined(RIVET_TSAN)
constexpr bool kUnderSanitizer = true;
#else
constexpr bool kUnderSanitizer = false;
#endif
constexpr int kCrowd = 1000;
constexpr int kPerAddress = 100; // under the default 128 handshakes per address

} // namespace

TEST(ChannelLoad, ThousandTrickledHandshakesDoNotDelayALegitimateClient) {
  if (kUnderSanitizer)
    GTEST_SKIP() << "a load test: not run under a sanitizer";
  ChannelTestNode n(""); // handshakes get the default 10 s, longer than the test
  ASSERT_TRUE(n.started()) << n.output();
  const std::string hello = TestTlsClient(n.client()).clientHello();
  const size_t filesBefore = openFileCount(n.pid());
  std::vector<std::unique_ptr<RawChannelClient>> crowd;
  for (int i = 0; i < kCrowd; ++i) {
    crowd.push_back(std::make_unique<RawChannelClient>(loopback(2 + i / kPerAddress)));
    ASSERT_TRUE(crowd.back()->connect(n.port())) << i << ": " << crowd.back()->error();
  }
  {
    Trickle<RawChannelClient> trickle(crowd, [&](RawChannelClient& c, size_t tick) {
      c.send(hello.substr(std::min(tick, hello.size() - 1), 1));
    });
    expectLegitimateClientServed(n, 5s);
    EXPECT_GE(openFileCount(n.pid()), filesBefore + kCrowd * 9 / 10)
        << "the trickled handshakes were not held open until their deadline";
  }
}

TEST(ChannelLoad, ThousandTrickledRequestHeadsDoNotDelayALegitimateClient) {
  if (kUnderSanitizer)
    GTEST_SKIP() << "a load test: not run under a sanitizer";
  ChannelTestNode n("    head_timeout_ms: 30000\n    idle_timeout_ms: 30000\n");
  ASSERT_TRUE(n.started()) << n.output();
  const size_t filesBefore = openFileCount(n.pid());
  std::vector<std::unique_ptr<TestTlsClient>> crowd;
  auto started = Clock::now();
  for (int i = 0; i < kCrowd; ++i) {
    crowd.push_back(std::make_unique<TestTlsClient>(n.client(loopback(2 + i / kPerAddress))));
    ASSERT_TRUE(crowd.back()->connect(n.port())) << i << ": " << crowd.back()->error();
  }
  std::cout << kCrowd << " handshakes took " << since(started).count() << " ms\n";
  const std::string prefix = "GET /api/mesh/ping HTTP/1.1\r\nHost: node-a.mesh\r\nX-Pad: ";
  {
    Trickle<TestTlsClient> trickle(crowd, [&](TestTlsClient& c, size_t tick) {
      c.sendRaw(std::string(1, tick < prefix.size() ? prefix[tick] : 'a'));
    });
    expectLegitimateClientServed(n, 5s);
    EXPECT_GE(openFileCount(n.pid()), filesBefore + kCrowd * 9 / 10)
        << "the trickled request heads were not held open until their deadline";
  }
}

TEST(ChannelLoad, FloodOfIdleConnectionsToTheCapRecoversAndReleasesEveryDescriptor) {
  if (kUnderSanitizer)
    GTEST_SKIP() << "a load test: not run under a sanitizer";
  constexpr int kCap = 300;
  ChannelTestNode n("    max_connections: 300\n");
  ASSERT_TRUE(n.started()) << n.output();
  ASSERT_EQ(n.pingFrom("127.0.0.1"), 200);
  std::this_thread::sleep_for(300ms); // that connection's descriptor released
  const size_t filesBefore = openFileCount(n.pid());
  std::vector<std::unique_ptr<RawChannelClient>> flood;
  for (int i = 0; i < kCap; ++i)
    openSilent(flood, loopback(2 + i / kPerAddress), n.port(), 1);
  EXPECT_TRUE(eventually([&] { return openFileCount(n.pid()) >= filesBefore + kCap; }, 3s))
      << "the node holds " << openFileCount(n.pid()) - filesBefore << " of " << kCap;
  expectClosedAtOnce(loopback(9), n.port(), "a connection past max_connections");
  flood.clear();
  EXPECT_TRUE(eventually([&] { return n.pingFrom("127.0.0.1") == 200; }, 3s))
      << "no new connection was served after the flood ended";
  EXPECT_TRUE(eventually([&] { return openFileCount(n.pid()) <= filesBefore + 5; }, 5s))
      << "open files: " << filesBefore << " before the flood, " << openFileCount(n.pid())
      << " after it ended";
}

TEST(ChannelLoad, IdleAuthenticatedConnectionsHoldNoRecordBuffersButAFewPerThread) {
  if (kUnderSanitizer)
    GTEST_SKIP() << "measures memory: not run under a sanitizer";
  constexpr int kIdle = 600;
  ChannelTestNode n("");
  ASSERT_TRUE(n.started()) << n.output();
  // A 12 KB message and its echo fill most of both record buffers (17 KiB each).
  const std::string body = R"({"fromAgent":"idle","message":")" + std::string(12000, 'm') + R"("})";
  auto connection = [&] {
    auto c = std::make_unique<TestTlsClient>(n.client());
    HttpResponse r;
    EXPECT_TRUE(c->connect(n.port()) && c->request("POST", "/api/message", body, r)) << c->error();
    EXPECT_EQ(r.status, 200);
    return c;
  };
  for (int i = 0; i < 20; ++i) // connections that come and go: the allocator has its pages
    connection();
  const size_t before = residentAnonBytes(n.pid());
  std::vector<std::unique_ptr<TestTlsClient>> idle;
  for (int i = 0; i < kIdle && !HasFailure(); ++i)
    idle.push_back(connection());
  const size_t after = residentAnonBytes(n.pid());
  const size_t perConnection = after > before ? (after - before) / kIdle : 0;
  // Measured here: about 53 KB a connection (the session OpenSSL keeps with the client's parsed
  // certificates, and what the allocator holds of the requests), the record buffers staying
  // only with the first 64 connections of each I/O thread; about 79 KB when every idle
  // connection keeps them.
  EXPECT_LE(perConnection, 64u * 1024)
      << "RssAnon " << before << " -> " << after << " with " << kIdle << " idle connections";
}
