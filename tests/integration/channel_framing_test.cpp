// Request framing on a running node (docs/protocol.md §3): every ambiguous or unsupported framing
// is refused with its status, a JSON body and Connection: close, the connection is then closed,
// and a request sent after it in the same bytes never runs.
#include "MeshNode.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <thread>

using namespace rivet::test;
using namespace std::chrono_literals;

namespace {

constexpr size_t kMiB = 1024 * 1024;
constexpr size_t kBodyLimit = 10 * kMiB;
#ifndef RIVET_TEST_RSS_PERCENT
#define RIVET_TEST_RSS_PERCENT 100
#endif
constexpr size_t kRssLimit = kBodyLimit * RIVET_TEST_RSS_PERCENT / 100;

const std::string kBadRequest = R"({"error":"Bad request"})";
const std::string kCodingNotSupported =
    R"({"error":"Transfer coding not supported: only chunked is"})";
const std::string kBodyTooLarge = R"({"error":"Request body exceeds 10 MB limit"})";
const std::string kHeadTooLarge = R"({"error":"Request header fields too large"})";
const std::string kBadVersion = R"({"error":"HTTP version not supported: use HTTP/1.1"})";

const std::string kPostLine = "POST /api/message HTTP/1.1\r\nHost: node-a.mesh\r\n";

std::string messageFrom(const std::string& from) {
  return R"({"fromAgent":")" + from + R"(","message":"hi"})";
}

// A whole POST /api/message from `from`, framed by Content-Length.
std::string postFrom(const std::string& from) {
  std::string body = messageFrom(from);
  return kPostLine + "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

// A GET /api/mesh/ping head with `fields` header fields in all (Host included), `padding` bytes
// of values spread over them.
std::string pingWithFields(int fields, size_t padding = 0) {
  std::string head = "GET /api/mesh/ping HTTP/1.1\r\nHost: node-a.mesh\r\n";
  for (int i = 1; i < fields; ++i)
    head += "X-Field-" + std::to_string(i) + ": " +
            std::string(padding / static_cast<size_t>(fields - 1), 'p') + "\r\n";
  return head + "\r\n";
}

class ChannelFraming : public ::testing::Test {
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

  // Sends `bytes` with a second request right behind them in the same write, and expects the
  // refusal, then nothing but the close, and the second request never run.
  void expectRefused(const std::string& bytes, int status, const std::string& body,
                     const std::string& what) {
    static int requests = 0; // unique over the suite's node, whichever tests run
    const std::string smuggler = "smuggler-" + std::to_string(++requests);
    TestTlsClient client(meshClient());
    ASSERT_TRUE(client.connect(node_->port())) << what << ": " << client.error();
    client.sendRaw(bytes + postFrom(smuggler)); // the server may close before it read them all
    HttpResponse r;
    ASSERT_TRUE(client.readResponse(r)) << what << ": " << client.error();
    EXPECT_EQ(r.status, status) << what;
    EXPECT_EQ(r.body, body) << what;
    EXPECT_EQ(r.header("content-type"), "application/json") << what;
    EXPECT_EQ(r.header("connection"), "close") << what;
    EXPECT_EQ(client.readUntilClose(2s), "") << what << ": bytes after the refusal";
    EXPECT_FALSE(contains(client.error(), "timed out")) << what << ": the connection stayed open";
    expectNeverRan(smuggler, what);
  }

  // Every POST /api/message is logged "... from <fromAgent> → ..." as it starts. Once a later
  // request's line is there, the smuggled request's line would be too, had it run.
  void expectNeverRan(const std::string& smuggler, const std::string& what) {
    const std::string sentinel = "sentinel-" + smuggler;
    TestTlsClient client(meshClient());
    HttpResponse r;
    ASSERT_TRUE(client.connect(node_->port()) &&
                client.request("POST", "/api/message", messageFrom(sentinel), r))
        << client.error();
    EXPECT_EQ(r.status, 200) << r.body;
    EXPECT_TRUE(node_->waitForOutput("from " + sentinel + " ")) << node_->output();
    EXPECT_FALSE(contains(node_->output(), "from " + smuggler + " "))
        << what << ": the request sent after the refusal ran";
  }

  // One request on a fresh connection; its status.
  static int statusOf(const std::string& bytes) {
    TestTlsClient client(meshClient());
    HttpResponse r;
    if (!client.connect(node_->port()) || !client.sendRaw(bytes) || !client.readResponse(r))
      ADD_FAILURE() << client.error();
    return r.status;
  }

  static TestPki* pki_;
  static NodeProcess* node_;
};

TestPki* ChannelFraming::pki_ = nullptr;
NodeProcess* ChannelFraming::node_ = nullptr;

} // namespace

TEST_F(ChannelFraming, ContentLengthWithTransferEncodingGets400InEitherOrder) {
  // Content-Length 5 covers exactly the chunked body "0\r\n\r\n": each reading ends where the
  // smuggled request begins.
  expectRefused(kPostLine + "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400,
                kBadRequest, "Content-Length, then Transfer-Encoding");
  expectRefused(kPostLine + "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n", 400,
                kBadRequest, "Transfer-Encoding, then Content-Length");
}

TEST_F(ChannelFraming, DuplicateListedOrMalformedContentLengthGets400) {
  for (const char* fields :
       {"Content-Length: 5\r\nContent-Length: 5", "Content-Length: 5\r\nContent-Length: 6",
        "Content-Length: 5,5", "Content-Length: 5, 5", "Content-Length: five", "Content-Length: 5a",
        "Content-Length: +5", "Content-Length: -5", "Content-Length: "})
    expectRefused(kPostLine + fields + "\r\n\r\nhello", 400, kBadRequest, fields);
}

TEST_F(ChannelFraming, TransferEncodingNotEndingInOneChunkedGets400) {
  const std::string body = chunk("hello") + "0\r\n\r\n";
  for (const char* fields :
       {"Transfer-Encoding: xchunked", "Transfer-Encoding: gzip",
        "Transfer-Encoding: chunked, gzip", "Transfer-Encoding: chunked, chunked",
        "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked"})
    expectRefused(kPostLine + fields + "\r\n\r\n" + body, 400, kBadRequest, fields);
}

TEST_F(ChannelFraming, CodingBeforeChunkedGets501) {
  expectRefused(kPostLine + "Transfer-Encoding: gzip, chunked\r\n\r\n" + chunk("hello") +
                    "0\r\n\r\n",
                501, kCodingNotSupported, "gzip, chunked");
}

TEST_F(ChannelFraming, WhitespaceBeforeTheColonGets400) {
  for (const char* field :
       {"Content-Length : 5", "Content-Length\t: 5", "X-Note : 5\r\nContent-Length: 5"})
    expectRefused(kPostLine + field + "\r\n\r\nhello", 400, kBadRequest, field);
}

TEST_F(ChannelFraming, ObsFoldedHeaderLineGets400) {
  for (const char* fold : {"X-Note: a\r\n folded", "X-Note: a\r\n\tfolded"})
    expectRefused(kPostLine + fold + "\r\nContent-Length: 5\r\n\r\nhello", 400, kBadRequest, fold);
}

TEST_F(ChannelFraming, InvalidOrOverflowingChunkSizeGets400) {
  const std::string head = kPostLine + "Transfer-Encoding: chunked\r\n\r\n";
  expectRefused(head + "zz\r\nhello\r\n0\r\n\r\n", 400, kBadRequest, "chunk size zz");
  expectRefused(head + "10000000000000000\r\nhello\r\n0\r\n\r\n", 400, kBadRequest,
                "a chunk size of 17 hex digits");
}

TEST_F(ChannelFraming, ChunkSizeOverTheRemainingLimitGets413WithoutWaitingForItsData) {
  int pid = node_->pid();
  size_t rssBefore = residentBytes(pid);
  resetPeakResident(pid);
  const std::string head = kPostLine + "Transfer-Encoding: chunked\r\n\r\n";
  // Only the size lines are sent: the answer must come from the size alone.
  expectRefused(head + chunk("a") + "ffffffffffffffff\r\n", 413, kBodyTooLarge,
                "a 1-byte chunk, then a chunk of 2^64-1 bytes");
  expectRefused(head + "a00001\r\n", 413, kBodyTooLarge, "one chunk of 10 MiB + 1");
  EXPECT_LT(peakResidentBytes(pid), rssBefore + kRssLimit) << "peak RSS grew by 10 MiB or more";
}

TEST_F(ChannelFraming, RequestBehindA413IsNeverRun) {
  expectRefused(kPostLine + "Content-Length: " + std::to_string(kBodyLimit + 1) + "\r\n\r\n", 413,
                kBodyTooLarge, "Content-Length over 10 MiB");
}

TEST_F(ChannelFraming, HeadOverTheHeaderByteLimitGets431) {
  EXPECT_EQ(statusOf(pingWithFields(10, 30 * 1024)), 200) << "a 30 KiB head is within 32 KiB";
  expectRefused(pingWithFields(10, 33 * 1024), 431, kHeadTooLarge, "a 33 KiB head");
}

TEST_F(ChannelFraming, MoreThanAHundredHeaderFieldsGets431) {
  EXPECT_EQ(statusOf(pingWithFields(100)), 200) << "100 fields are within the limit";
  expectRefused(pingWithFields(101), 431, kHeadTooLarge, "101 fields");
}

TEST_F(ChannelFraming, HttpVersionsOtherThanOneDotXGet505) {
  for (const char* version : {"HTTP/1.9", "HTTP/2.0", "HTTP/0.9"})
    expectRefused(std::string("GET /api/mesh/ping ") + version + "\r\nHost: node-a.mesh\r\n\r\n",
                  505, kBadVersion, version);
}

TEST_F(ChannelFraming, Http10RequestsAreServed) {
  std::string body = messageFrom("grok");
  TestTlsClient client(meshClient());
  HttpResponse r;
  ASSERT_TRUE(client.connect(node_->port())) << client.error();
  ASSERT_TRUE(client.sendRaw("POST /api/message HTTP/1.0\r\nHost: node-a.mesh\r\nContent-Length: " +
                             std::to_string(body.size()) + "\r\n\r\n" + body));
  ASSERT_TRUE(client.readResponse(r)) << client.error();
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_PRED2(contains, r.body, R"("response":"hi")");
  EXPECT_EQ(statusOf("GET /api/mesh/ping HTTP/1.0\r\n\r\n"), 200);
}

TEST_F(ChannelFraming, RequestFedAByteAtATimeIsAnswered) {
  const std::string body = messageFrom("trickler");
  const std::string byLength = postFrom("trickler");
  const std::string chunked = kPostLine + "Transfer-Encoding: chunked\r\n\r\n" +
                              chunk(body.substr(0, 10)) + chunk(body.substr(10)) + "0\r\n\r\n";
  TestTlsClient client(meshClient());
  ASSERT_TRUE(client.connect(node_->port())) << client.error();
  for (const std::string& request : {byLength, chunked}) {
    for (char c : request) {
      ASSERT_TRUE(client.sendRaw(std::string(1, c))) << client.error();
      std::this_thread::sleep_for(1ms); // one read per byte on the server's side
    }
    HttpResponse r;
    ASSERT_TRUE(client.readResponse(r)) << client.error();
    EXPECT_EQ(r.status, 200) << r.body;
    EXPECT_PRED2(contains, r.body, R"({"response":"hi","agent":"echo")");
    EXPECT_EQ(r.header("connection"), "keep-alive");
  }
}

TEST(ChannelFramingLimits, HeaderByteAndFieldLimitsFollowMeshChannel) {
  TestPki pki;
  pki.issueNode("node-b");
  TempDir storage;
  MeshNode node(pki, storage.path(), "node-a", "agents:\n  echo:\n    plugin: echo\n",
                "  channel:\n    max_header_bytes: 2048\n    max_headers: 10\n");
  ASSERT_TRUE(node.start()) << node.output();
  auto exchange = [&](const std::string& bytes) {
    TestTlsClient client(clientOptions(pki, "node-b", "node-a.mesh"));
    HttpResponse r;
    EXPECT_TRUE(client.connect(node.port()) && client.sendRaw(bytes) && client.readResponse(r))
        << client.error();
    return r;
  };
  EXPECT_EQ(exchange(pingWithFields(10)).status, 200) << "10 fields are within max_headers";
  EXPECT_EQ(exchange(pingWithFields(5, 1800)).status, 200) << "a 1.9 KiB head is within 2 KiB";
  HttpResponse r = exchange(pingWithFields(11));
  EXPECT_EQ(r.status, 431) << "11 fields";
  EXPECT_EQ(r.body, kHeadTooLarge);
  r = exchange(pingWithFields(5, 2100));
  EXPECT_EQ(r.status, 431) << "a 2.2 KiB head";
  EXPECT_EQ(r.body, kHeadTooLarge);
  EXPECT_EQ(r.header("connection"), "close");
}

TEST_F(ChannelFraming, TrailerFieldsOfAChunkedBodyNeverReachTheNodeAsHeaders) {
  // The same traceparent as a trailer, then as a header: only the header's trace is taken; a
  // trailer's Connection field does not close the connection either.
  const std::string trailerTrace = "7a1e0b1d6c0f4e2a9b3c5d7e9f1a2b3c";
  const std::string headerTrace = "4b2d6f8a0c1e3a5b7d9f1b3d5f7a9c1e";
  auto traceparent = [](const std::string& trace) {
    return "traceparent: 00-" + trace + "-00f067aa0ba902b7-01\r\n";
  };
  const std::string body = messageFrom("trailing");
  TestTlsClient client(meshClient());
  ASSERT_TRUE(client.connect(node_->port())) << client.error();
  ASSERT_TRUE(client.sendRaw(kPostLine + "Transfer-Encoding: chunked\r\n\r\n" + chunk(body) +
                             "0\r\n" + traceparent(trailerTrace) +
                             "Connection: close\r\nX-Other: 1\r\n\r\n"));
  HttpResponse r;
  ASSERT_TRUE(client.readResponse(r)) << client.error();
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.header("connection"), "keep-alive");
  // The connection goes on after the trailers: the next request, traced by a header.
  ASSERT_TRUE(client.sendRaw(kPostLine + traceparent(headerTrace) +
                             "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body));
  ASSERT_TRUE(client.readResponse(r)) << client.error();
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_TRUE(node_->waitForOutput("trace=" + headerTrace)) << node_->output();
  EXPECT_FALSE(contains(node_->output(), trailerTrace)) << node_->output();
}

TEST_F(ChannelFraming, Http10RequestWithTransferEncodingIsServedThenTheConnectionCloses) {
  // RFC 9112 §6.1: its framing is taken as faulty, so nothing after it on the connection is read.
  const std::string body = messageFrom("old-chunked");
  TestTlsClient client(meshClient());
  ASSERT_TRUE(client.connect(node_->port())) << client.error();
  ASSERT_TRUE(client.sendRaw("POST /api/message HTTP/1.0\r\nHost: node-a.mesh\r\nConnection: "
                             "keep-alive\r\nTransfer-Encoding: chunked\r\n\r\n" +
                             chunk(body) + "0\r\n\r\n" + postFrom("after-old-chunked")));
  HttpResponse r;
  ASSERT_TRUE(client.readResponse(r)) << client.error();
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_PRED2(contains, r.body, R"("response":"hi")");
  EXPECT_EQ(r.header("connection"), "close");
  EXPECT_EQ(client.readUntilClose(2s), "") << "an answer after the closing one";
  expectNeverRan("after-old-chunked", "a request behind an HTTP/1.0 chunked one");
}
