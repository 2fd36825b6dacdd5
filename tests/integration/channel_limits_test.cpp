// docs/protocol.md §3 limits on a running node: the 10 MiB body limit (Content-Length and chunked)
// without buffering more than the limit, slow clients that cannot delay others, prompt stop.
#include "MeshTestKit.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <thread>

using namespace rivet::test;

namespace {

constexpr size_t kLimit = 10 * 1024 * 1024;
constexpr size_t kMiB = 1024 * 1024;
// A sanitizer build's allocator costs more per byte; its build defines how much (in percent).
#ifndef RIVET_TEST_RSS_PERCENT
#define RIVET_TEST_RSS_PERCENT 100
#endif
constexpr size_t kRssLimit = kLimit * RIVET_TEST_RSS_PERCENT / 100;
// TSan's shadow memory grows with every byte the program touches: a peak-RSS bound there
// measures TSan, so only the status and the close are checked.
#ifdef RIVET_TSAN
constexpr bool kPeakMeasured = false;
#else
constexpr bool kPeakMeasured = true;
#endif
const char* kTooLarge = R"({"error":"Request body exceeds 10 MB limit"})";

std::string postHead(const std::string& framing) {
  return "POST /api/message HTTP/1.1\r\nHost: node-a.mesh\r\n" + framing + "\r\n";
}

class ChannelLimits : public ::testing::Test {
protected:
  static void SetUpTestSuite() {
    pki_ = new TestPki;
    pki_->issueNode("node-b");
    node_ = new NodeProcess(nodeSettings(*pki_, "node-a"));
  }
  static void TearDownTestSuite() {
    delete node_;
    delete pki_;
    node_ = nullptr;
    pki_ = nullptr;
  }
  void SetUp() override { ASSERT_TRUE(node_->ready()) << node_->output(); }

  static TlsClientOptions meshClient() { return clientOptions(*pki_, "node-b", "node-a.mesh"); }

  // The time a fresh client needs for one ping (handshake included).
  static std::chrono::milliseconds pingTime() {
    auto started = std::chrono::steady_clock::now();
    TestTlsClient client(meshClient());
    HttpResponse r;
    EXPECT_TRUE(client.connect(node_->port()) && client.get("/api/mesh/ping", r)) << client.error();
    EXPECT_EQ(r.status, 200);
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                 started);
  }

  static TestPki* pki_;
  static NodeProcess* node_;
};

TestPki* ChannelLimits::pki_ = nullptr;
NodeProcess* ChannelLimits::node_ = nullptr;

} // namespace

TEST_F(ChannelLimits, ContentLengthOverLimitGets413BeforeTheBodyAndClosesTheConnection) {
  int pid = node_->pid();
  size_t rssBefore = residentBytes(pid);
  resetPeakResident(pid);
  TestTlsClient client(meshClient());
  ASSERT_TRUE(client.connect(node_->port())) << client.error();
  ASSERT_TRUE(client.sendRaw(postHead("Content-Length: " + std::to_string(kLimit + 1) + "\r\n")));
  HttpResponse r;
  ASSERT_TRUE(client.readResponse(r)) << client.error();
  EXPECT_EQ(r.status, 413);
  EXPECT_EQ(r.body, kTooLarge);
  EXPECT_EQ(r.header("content-type"), "application/json");
  EXPECT_EQ(r.header("connection"), "close");
  EXPECT_TRUE(client.waitForClose(std::chrono::seconds(2))) << "the connection stayed open";
  if (kPeakMeasured) {
    EXPECT_LT(peakResidentBytes(pid), rssBefore + kRssLimit) << "peak RSS grew by 10 MiB or more";
  }
}

TEST_F(ChannelLimits, ClientWritingTheWholeOversizedBodyStillReads413) {
  // A naive client writes head and body before reading. The server stops reading after the
  // head, so the write fails (reset or broken pipe), but the 413 must still be readable.
  TestTlsClient client(meshClient());
  ASSERT_TRUE(client.connect(node_->port())) << client.error();
  client.sendRaw(postHead("Content-Length: " + std::to_string(kLimit + 1) + "\r\n") +
                 std::string(kLimit + 1, ' '));
  HttpResponse r;
  ASSERT_TRUE(client.readResponse(r)) << client.error();
  EXPECT_EQ(r.status, 413);
  EXPECT_EQ(r.body, kTooLarge);
}

TEST_F(ChannelLimits, ChunkedBodyOverLimitGets413AndBuffersAtMostTheLimit) {
  int pid = node_->pid();
  size_t rssBefore = residentBytes(pid);
  resetPeakResident(pid);
  TestTlsClient client(meshClient());
  ASSERT_TRUE(client.connect(node_->port())) << client.error();
  ASSERT_TRUE(client.sendRaw(postHead("Transfer-Encoding: chunked\r\n")));
  const std::string mebibyte(kMiB, ' ');
  size_t sent = 0;
  while (sent <= kLimit && client.sendRaw(chunk(mebibyte)))
    sent += kMiB;
  HttpResponse r;
  ASSERT_TRUE(client.readResponse(r)) << client.error() << " after " << sent << " bytes";
  EXPECT_EQ(r.status, 413);
  EXPECT_EQ(r.body, kTooLarge);
  EXPECT_TRUE(client.waitForClose(std::chrono::seconds(2))) << "the connection stayed open";
  if (kPeakMeasured) {
    size_t peak = peakResidentBytes(pid);
    EXPECT_LE(peak, rssBefore + kRssLimit + kMiB)
        << "peak RSS grew by " << (peak - rssBefore) / kMiB << " MiB for a 10 MiB limit";
  }
}

TEST_F(ChannelLimits, BodyOfExactlyTheLimitIsAccepted) {
  std::string body = R"({"fromAgent":"grok","message":"exactly ten mebibytes"})";
  body.resize(kLimit, ' '); // JSON allows trailing whitespace
  TestTlsClient client(meshClient());
  ASSERT_TRUE(client.connect(node_->port())) << client.error();
  HttpResponse r;
  ASSERT_TRUE(client.request("POST", "/api/message", body, r)) << client.error();
  EXPECT_NE(r.status, 413) << r.body;
  EXPECT_TRUE(r.status == 200 || r.status == 400) << r.status << " " << r.body;
  ASSERT_TRUE(client.get("/api/mesh/ping", r)) << client.error();
  EXPECT_EQ(r.status, 200) << "the connection did not stay usable";
}

TEST_F(ChannelLimits, SlowClientDoesNotDelayOthersAndIsDisconnectedAfterHeadTimeout) {
  TestTlsClient slow(meshClient());
  ASSERT_TRUE(slow.connect(node_->port())) << slow.error();
  const std::string head = "GET /api/mesh/ping HTTP/1.1\r\nHost: node-a.mesh\r\nX-Pad: ";
  std::atomic<bool> closed{false};
  auto started = std::chrono::steady_clock::now();
  std::thread loris([&] {
    for (size_t i = 0; !closed; ++i) {
      if (!slow.sendRaw(std::string(1, i < head.size() ? head[i] : 'a'))) {
        closed = true;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
    }
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(1200));
  for (int i = 0; i < 3; ++i)
    EXPECT_LT(pingTime().count(), 500) << "a slow client delayed another client's ping";

  // The head timeout (10 s from the first byte) ends the slow client's connection.
  auto until = started + std::chrono::seconds(13);
  while (!closed && std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  bool wasClosed = closed;
  closed = true;
  loris.join();
  auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - started);
  EXPECT_TRUE(wasClosed) << "still connected after " << elapsed.count() << " ms";
  EXPECT_GE(elapsed.count(), 9000) << "disconnected before the head timeout";
}

TEST(ChannelStop, StopsWithinOneSecondWithIdleKeepAliveClients) {
  TestPki pki;
  pki.issueNode("node-b");
  NodeProcess node(nodeSettings(pki, "node-a"));
  ASSERT_TRUE(node.ready()) << node.output();
  std::vector<std::unique_ptr<TestTlsClient>> clients;
  for (int i = 0; i < 3; ++i) {
    clients.push_back(std::make_unique<TestTlsClient>(clientOptions(pki, "node-b", "node-a.mesh")));
    HttpResponse r;
    ASSERT_TRUE(clients.back()->connect(node.port()) && clients.back()->get("/api/mesh/ping", r))
        << clients.back()->error();
    ASSERT_EQ(r.header("connection"), "keep-alive");
  }
  auto started = std::chrono::steady_clock::now();
  int code = node.process().stop(std::chrono::seconds(5));
  auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - started);
  EXPECT_EQ(code, 0) << node.output();
  EXPECT_LT(elapsed.count(), 1000) << node.output();
  for (auto& c : clients)
    EXPECT_TRUE(c->waitForClose(std::chrono::milliseconds(500)));
}
