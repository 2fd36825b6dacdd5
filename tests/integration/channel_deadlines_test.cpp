// The channel's deadlines on a running node (mesh.channel): a client that stalls or trickles in
// one phase (handshake, request head, body, keep-alive wait, response write) is closed within
// that phase's deadline, and another client is served promptly meanwhile.
#include "MeshNode.hpp"
#include "RawChannelClient.hpp"

#include <gtest/gtest.h>

#include <functional>

using namespace rivet::test;
using namespace std::chrono_literals;
using std::chrono::milliseconds;

namespace {

// Far enough apart that a connection closed by the wrong deadline is seen as closed too early
// or too late.
constexpr milliseconds kHandshake = 1000ms;
constexpr milliseconds kHead = 2000ms;
constexpr milliseconds kBody = 3000ms;
constexpr milliseconds kIdle = 4000ms;
constexpr milliseconds kWrite = 1500ms;
constexpr milliseconds kMargin = 1000ms; // timers on a shared two-core machine
constexpr milliseconds kTrickle = 200ms;
const char* const kChannel = "  channel:\n    handshake_timeout_ms: 1000\n"
                             "    head_timeout_ms: 2000\n    body_timeout_ms: 3000\n"
                             "    idle_timeout_ms: 4000\n    write_timeout_ms: 1500\n";
const char* const kEcho = "agents:\n  echo:\n    plugin: echo\n";

milliseconds since(Clock::time_point t) {
  return std::chrono::duration_cast<milliseconds>(Clock::now() - t);
}

// Waits up to `left` for the close, sending `nextByte()` every 200 ms meanwhile; a write that
// fails means the server has closed.
bool trickleUntilClosed(const std::function<bool()>& nextByte,
                        const std::function<bool(milliseconds)>& waitForClose, milliseconds left) {
  const auto until = Clock::now() + left;
  while (Clock::now() < until) {
    if (!nextByte() || waitForClose(kTrickle))
      return true;
  }
  return false;
}

// Byte i of `prefix`, then 'a' for ever: a request head that never ends.
std::string endlessHeadByte(const std::string& prefix, size_t i) {
  return std::string(1, i < prefix.size() ? prefix[i] : 'a');
}

class ChannelDeadlines : public ::testing::Test {
protected:
  static void SetUpTestSuite() {
    prepareForManySockets(); // a trickled write after the server closed must not raise SIGPIPE
    pki_ = new TestPki;
    pki_->issueNode("node-b");
    storage_ = new TempDir;
    node_ = new MeshNode(*pki_, storage_->path(), "node-a", kEcho, kChannel);
    started_ = node_->start();
  }
  static void TearDownTestSuite() {
    delete node_;
    delete storage_;
    delete pki_;
    node_ = nullptr;
    storage_ = nullptr;
    pki_ = nullptr;
  }
  void SetUp() override { ASSERT_TRUE(started_) << node_->output(); }

  static TlsClientOptions meshClient() { return clientOptions(*pki_, "node-b", "node-a.mesh"); }

  // A fresh client's ping (connect, handshake, GET) while another client stalls.
  static void expectPromptPing(const std::string& during) {
    auto started = Clock::now();
    TestTlsClient client(meshClient());
    HttpResponse r;
    EXPECT_TRUE(client.connect(node_->port()) && client.get("/api/mesh/ping", r))
        << during << ": " << client.error();
    EXPECT_EQ(r.status, 200) << during;
    EXPECT_LT(since(started).count(), 500) << during << ": another client's ping was delayed";
  }

  // The stalled connection, whose close `closed(left)` waits for, is closed `deadline` after
  // `started`, give or take the margin.
  static void expectClosedAtDeadline(Clock::time_point started, milliseconds deadline,
                                     const std::function<bool(milliseconds)>& closed,
                                     const std::string& what) {
    expectPromptPing(what);
    bool wasClosed = closed(deadline + kMargin - since(started));
    long took = static_cast<long>(since(started).count());
    EXPECT_TRUE(wasClosed) << what << ": still open after " << took << " ms (deadline "
                           << deadline.count() << " ms)";
    EXPECT_GE(took, deadline.count() * 9 / 10) << what << ": closed before its deadline";
  }

  // A connection whose handshake is done, for the phases after it.
  static std::unique_ptr<TestTlsClient> handshaken() {
    auto client = std::make_unique<TestTlsClient>(meshClient());
    EXPECT_TRUE(client->connect(node_->port())) << client->error();
    return client;
  }

  static TestPki* pki_;
  static TempDir* storage_;
  static MeshNode* node_;
  static bool started_;
};

TestPki* ChannelDeadlines::pki_ = nullptr;
TempDir* ChannelDeadlines::storage_ = nullptr;
MeshNode* ChannelDeadlines::node_ = nullptr;
bool ChannelDeadlines::started_ = false;

} // namespace

TEST_F(ChannelDeadlines, SilentConnectionIsClosedAtTheHandshakeDeadline) {
  RawChannelClient silent;
  ASSERT_TRUE(silent.connect(node_->port())) << silent.error();
  expectClosedAtDeadline(
      Clock::now(), kHandshake, [&](milliseconds left) { return silent.waitForClose(left); },
      "a TCP connection that sends nothing");
}

TEST_F(ChannelDeadlines, PartialClientHelloIsClosedAtTheHandshakeDeadline) {
  const std::string hello = TestTlsClient(meshClient()).clientHello();
  ASSERT_GT(hello.size(), 100u);
  RawChannelClient partial;
  ASSERT_TRUE(partial.connect(node_->port())) << partial.error();
  auto started = Clock::now();
  ASSERT_TRUE(partial.send(hello.substr(0, 5))) << partial.error();
  expectClosedAtDeadline(
      started, kHandshake, [&](milliseconds left) { return partial.waitForClose(left); },
      "the first 5 bytes of a ClientHello");
}

TEST_F(ChannelDeadlines, ClientHelloTrickledAByteAt200MsIsClosedAtTheHandshakeDeadline) {
  const std::string hello = TestTlsClient(meshClient()).clientHello();
  RawChannelClient trickler;
  ASSERT_TRUE(trickler.connect(node_->port())) << trickler.error();
  auto started = Clock::now();
  size_t sent = 0;
  auto nextByte = [&] { return sent < hello.size() && trickler.send(hello.substr(sent++, 1)); };
  auto waitForClose = [&](milliseconds t) { return trickler.waitForClose(t); };
  expectClosedAtDeadline(
      started, kHandshake,
      [&](milliseconds left) { return trickleUntilClosed(nextByte, waitForClose, left); },
      "a ClientHello sent a byte every 200 ms");
  EXPECT_LT(sent, hello.size()) << "the whole ClientHello was sent before the close";
}

TEST_F(ChannelDeadlines, StalledRequestHeadIsClosedAtTheHeadDeadline) {
  auto client = handshaken();
  ASSERT_TRUE(client->sendRaw("GET /api/mesh/ping HT")) << client->error();
  expectClosedAtDeadline(
      Clock::now(), kHead, [&](milliseconds left) { return client->waitForClose(left); },
      "a request head that stops after 21 bytes");
}

TEST_F(ChannelDeadlines, TrickledRequestHeadIsClosedAtTheHeadDeadlineFromItsFirstByte) {
  auto client = handshaken();
  const std::string prefix = "GET /api/mesh/ping HTTP/1.1\r\nHost: node-a.mesh\r\nX-Pad: ";
  size_t sent = 0;
  auto nextByte = [&] { return client->sendRaw(endlessHeadByte(prefix, sent++)); };
  auto waitForClose = [&](milliseconds t) { return client->waitForClose(t); };
  auto started = Clock::now();
  expectClosedAtDeadline(
      started, kHead,
      [&](milliseconds left) { return trickleUntilClosed(nextByte, waitForClose, left); },
      "a request head sent a byte every 200 ms");
}

TEST_F(ChannelDeadlines, StalledBodyIsClosedAtTheBodyDeadline) {
  auto client = handshaken();
  ASSERT_TRUE(client->sendRaw("POST /api/message HTTP/1.1\r\nHost: node-a.mesh\r\n"
                              "Content-Length: 100\r\n\r\n" +
                              std::string(10, ' ')))
      << client->error();
  expectClosedAtDeadline(
      Clock::now(), kBody, [&](milliseconds left) { return client->waitForClose(left); },
      "10 of 100 body bytes, then nothing");
}

TEST_F(ChannelDeadlines, TrickledBodyIsClosedAtTheBodyDeadline) {
  auto client = handshaken();
  ASSERT_TRUE(client->sendRaw("POST /api/message HTTP/1.1\r\nHost: node-a.mesh\r\n"
                              "Content-Length: 100\r\n\r\n"))
      << client->error();
  auto started = Clock::now();
  auto nextByte = [&] { return client->sendRaw(" "); };
  auto waitForClose = [&](milliseconds t) { return client->waitForClose(t); };
  expectClosedAtDeadline(
      started, kBody,
      [&](milliseconds left) { return trickleUntilClosed(nextByte, waitForClose, left); },
      "a body of 100 bytes sent a byte every 200 ms");
}

TEST_F(ChannelDeadlines, IdleKeepAliveConnectionIsClosedAtTheIdleDeadline) {
  auto client = handshaken();
  HttpResponse r;
  ASSERT_TRUE(client->get("/api/mesh/ping", r)) << client->error();
  ASSERT_EQ(r.header("connection"), "keep-alive");
  expectClosedAtDeadline(
      Clock::now(), kIdle, [&](milliseconds left) { return client->waitForClose(left); },
      "a keep-alive connection after one answered request");
}

TEST(ChannelWriteDeadline, ResponseTheClientNeverReadsIsClosedAtTheWriteDeadline) {
  prepareForManySockets();
  TestPki pki;
  pki.issueNode("node-b");
  TempDir storage;
  // 2000 registry entries: GET /api/mesh answers about half a mebibyte.
  std::string registry = R"({"version":1,"nodes":{)";
  for (int i = 0; i < 2000; ++i) {
    std::string id = "bulk-" + std::to_string(i);
    registry += (i ? "," : "") + ("\"" + id + R"(":{"id":")" + id + R"(","name":")" + id) +
                R"(","role":"datahub","agents":["agent-a","agent-b"],"host":"127.0.0.1",)"
                R"("port":9,"providers":[],"models":[],"capabilities":[],"status":"offline",)"
                R"("lastSeen":1795700000000,"registeredAt":1795700000000,"version":"0.1.0"})";
  }
  writeFile(storage.file("mesh.json"), registry + "}}");
  MeshNode node(pki, storage.path(), "node-a", kEcho, kChannel);
  ASSERT_TRUE(node.start()) << node.output();
  TlsClientOptions options = clientOptions(pki, "node-b", "node-a.mesh");
  HttpResponse mesh;
  TestTlsClient reader(options);
  ASSERT_TRUE(reader.connect(node.port()) && reader.get("/api/mesh", mesh)) << reader.error();
  ASSERT_GT(mesh.body.size(), 400u * 1024) << "the registry was not read: " << node.output();

  // 40 pipelined requests ask for some 20 MiB, far more than both sockets' buffers hold.
  options.receiveBufferBytes = 4096;
  TestTlsClient stalled(options);
  ASSERT_TRUE(stalled.connect(node.port())) << stalled.error();
  std::string requests;
  for (int i = 0; i < 40; ++i)
    requests += "GET /api/mesh HTTP/1.1\r\nHost: node-a.mesh\r\n\r\n";
  ASSERT_TRUE(stalled.sendRaw(requests)) << stalled.error();
  auto started = Clock::now();
  std::this_thread::sleep_for(300ms);
  ASSERT_TRUE(serverEndOpen(node.port(), stalled.localPort()))
      << "the server closed before the write deadline";

  auto pingStarted = Clock::now();
  HttpResponse r;
  TestTlsClient other(clientOptions(pki, "node-b", "node-a.mesh"));
  EXPECT_TRUE(other.connect(node.port()) && other.get("/api/mesh/ping", r)) << other.error();
  EXPECT_EQ(r.status, 200);
  EXPECT_LT(since(pingStarted).count(), 500) << "a stalled write delayed another client";

  // The client never reads, so the close shows on the server's end of the connection only.
  bool closed = eventually([&] { return !serverEndOpen(node.port(), stalled.localPort()); },
                           kWrite + kMargin - since(started));
  EXPECT_TRUE(closed) << "the server's end is still open after " << since(started).count()
                      << " ms (write deadline " << kWrite.count() << " ms)";
  ASSERT_TRUE(other.get("/api/mesh/ping", r)) << other.error();
  EXPECT_EQ(r.status, 200) << "the node stopped serving others";
}
