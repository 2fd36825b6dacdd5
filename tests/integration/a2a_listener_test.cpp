// The transport's A2A listener (ABI 1.5, docs/transport.md "The A2A listener"). On real rivetd
// processes: a client without a certificate is served there and refused on the agent channel; a
// presented certificate is verified as on the agent channel (foreign CA, expired, revoked);
// agent channel requests are not served there; framing, deadlines, reload, listen failures and
// a node without a2a. With the real transport-mtls in this process and a host of the test's
// own: what the host receives (listener tag, every header field, an empty identity), what it
// answers (its header fields, streamed answers), the a2a_ metrics, admission caps and stop.
#include "MeshTestKit.hpp"
#include "RawChannelClient.hpp"
#include "StubHostServices.hpp"

#include "plugin/PluginInstance.hpp"
#include "plugin/PluginLoader.hpp"

#include <gtest/gtest.h>

#include <Poco/JSON/Parser.h>

#include <arpa/inet.h>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <mutex>
#include <netinet/in.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>
#include <utility>
#include <vector>

using namespace rivet;
using namespace rivet::test;
using namespace std::chrono_literals;
using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

namespace {

constexpr int64_t kDay = 86400;
constexpr size_t kBodyLimit = 10 * 1024 * 1024;
const std::string kBadRequest = R"({"error":"Bad request"})";
const std::string kBodyTooLarge = R"({"error":"Request body exceeds 10 MB limit"})";
const std::string kHeadTooLarge = R"({"error":"Request header fields too large"})";
const std::string kBadVersion = R"({"error":"HTTP version not supported: use HTTP/1.1"})";
const std::string kPostLine = "POST /a2a/echo/ HTTP/1.1\r\nHost: 127.0.0.1\r\n";

std::string a2aSection(int port) {
  return "a2a:\n  enabled: true\n  port: " + std::to_string(port) + "\n";
}

size_t count(const std::string& text, const std::string& part) {
  size_t n = 0;
  for (size_t at = text.find(part); at != std::string::npos; at = text.find(part, at + 1))
    ++n;
  return n;
}

// ---------------------------------------------------------------------------------------------
// A running rivetd with the A2A listener
// ---------------------------------------------------------------------------------------------

class A2aListener : public ::testing::Test {
protected:
  static void SetUpTestSuite() {
    prepareForManySockets();
    pki_ = new TestPki;
    foreign_ = new TestPki;
    pki_->issueNode("node-b");
    ca::IssueOptions expired;
    expired.notBefore = epochNow() - 10 * kDay;
    expired.notAfter = epochNow() - kDay;
    expired.fileStem = "expired";
    pki_->issueNode("node-b", expired);
    ca::IssueOptions revoked;
    revoked.fileStem = "revoked";
    pki_->issueNode("node-b", revoked);
    pki_->revoke("revoked");
    foreign_->issueNode("node-b");
    a2aPort_ = freePort();
    NodeSettings s = nodeSettings(*pki_, "node-a");
    s.crlPath = pki_->writeCrl();
    s.meshYaml = "  channel:\n    handshake_timeout_ms: 1000\n";
    s.tailYaml = a2aSection(a2aPort_);
    node_ = new NodeProcess(s);
  }
  static void TearDownTestSuite() {
    delete node_;
    delete foreign_;
    delete pki_;
    node_ = nullptr;
    foreign_ = nullptr;
    pki_ = nullptr;
  }
  void SetUp() override { ASSERT_TRUE(node_->ready()) << node_->output(); }

  // A client with the certificate `stem` of the mesh ("" none), checking node-a.mesh.
  static TlsClientOptions client(const std::string& stem) {
    return clientOptions(*pki_, stem, "node-a.mesh");
  }

  // Connects to `port` without sending a request; the client's error once the server refused.
  static std::string refusal(TestTlsClient& c, int port) {
    if (!c.connect(port))
      return c.error();
    if (c.waitForClose(3s))
      return c.error();
    return "the server accepted the handshake";
  }

  // The node logged the refused handshake of `c` as the A2A listener's, with `reason`.
  static void expectA2aWarning(const TestTlsClient& c, size_t mark, const std::string& reason) {
    std::string line = "TLS handshake failed from 127.0.0.1:" + std::to_string(c.localPort());
    ASSERT_TRUE(node_->waitForOutputSince(mark, line)) << node_->outputSince(mark);
    std::string out = node_->outputSince(mark);
    size_t at = out.find(line);
    size_t begin = out.rfind('\n', at);
    std::string logged = out.substr(begin == std::string::npos ? 0 : begin + 1);
    logged = logged.substr(0, logged.find('\n'));
    EXPECT_PRED2(contains, logged, "WARN  [A2aListener] " + line + ": " + reason) << logged;
  }

  // Sends `bytes` on a fresh connection without a certificate and expects the refusal with
  // Connection: close, then nothing but the close.
  static void expectRefused(const std::string& bytes, int status, const std::string& body,
                            const std::string& what) {
    TestTlsClient c(client(""));
    ASSERT_TRUE(c.connect(a2aPort_)) << what << ": " << c.error();
    c.sendRaw(bytes + kPostLine + "Content-Length: 0\r\n\r\n"); // the server may close first
    HttpResponse r;
    ASSERT_TRUE(c.readResponse(r)) << what << ": " << c.error();
    EXPECT_EQ(r.status, status) << what;
    EXPECT_EQ(r.body, body) << what;
    EXPECT_EQ(r.header("connection"), "close") << what;
    EXPECT_EQ(c.readUntilClose(2s), "") << what << ": bytes after the refusal";
    EXPECT_FALSE(contains(c.error(), "timed out")) << what << ": the connection stayed open";
  }

  static TestPki* pki_;
  static TestPki* foreign_;
  static NodeProcess* node_;
  static int a2aPort_;
};

TestPki* A2aListener::pki_ = nullptr;
TestPki* A2aListener::foreign_ = nullptr;
NodeProcess* A2aListener::node_ = nullptr;
int A2aListener::a2aPort_ = 0;

} // namespace

TEST_F(A2aListener, ClientWithoutCertificateIsServedThereAndRefusedOnTheAgentChannel) {
  EXPECT_PRED2(contains, node_->output(),
               "A2A listener on 127.0.0.1:" + std::to_string(a2aPort_) + " (TLS");
  TestTlsClient c(client(""));
  ASSERT_TRUE(c.connect(a2aPort_)) << c.error();
  HttpResponse r;
  ASSERT_TRUE(c.get("/a2a/echo/.well-known/agent-card.json", r)) << c.error();
  EXPECT_GE(r.status, 200) << "not an HTTP answer";
  EXPECT_LT(r.status, 600);
  ASSERT_TRUE(c.get("/", r)) << "keep-alive: a second request on the connection: " << c.error();
  EXPECT_GE(r.status, 200);

  size_t mark = node_->output().size();
  TestTlsClient same(client(""));
  std::string error = refusal(same, node_->port());
  EXPECT_PRED2(contains, error, "certificate required") << error;
  std::string line = "WARN  [AgentChannel] TLS handshake failed from 127.0.0.1:" +
                     std::to_string(same.localPort()) + ": peer did not return a certificate";
  EXPECT_TRUE(node_->waitForOutputSince(mark, line)) << node_->outputSince(mark);
}

TEST_F(A2aListener, MeshCertificateIsAccepted) {
  size_t mark = node_->output().size();
  TestTlsClient c(client("node-b"));
  ASSERT_TRUE(c.connect(a2aPort_)) << c.error();
  HttpResponse r;
  ASSERT_TRUE(c.get("/a2a/echo/.well-known/agent-card.json", r)) << c.error();
  EXPECT_GE(r.status, 200);
  EXPECT_FALSE(contains(node_->outputSince(mark), "TLS handshake failed"))
      << node_->outputSince(mark);
}

TEST_F(A2aListener, CertificateFromAnotherCaIsRefused) {
  size_t mark = node_->output().size();
  TlsClientOptions o = clientOptions(*foreign_, "node-b", "node-a.mesh");
  o.caPath = pki_->chainPath(); // the client trusts the node; the node must not trust it
  TestTlsClient c(o);
  std::string error = refusal(c, a2aPort_);
  EXPECT_PRED2(contains, error, "unknown ca") << error;
  expectA2aWarning(c, mark, "unknown ca (");
}

TEST_F(A2aListener, ExpiredCertificateIsRefused) {
  size_t mark = node_->output().size();
  TestTlsClient c(client("expired"));
  std::string error = refusal(c, a2aPort_);
  EXPECT_PRED2(contains, error, "certificate expired") << error;
  expectA2aWarning(c, mark, "certificate has expired [");
}

TEST_F(A2aListener, RevokedCertificateIsRefused) {
  size_t mark = node_->output().size();
  TestTlsClient c(client("revoked"));
  std::string error = refusal(c, a2aPort_);
  EXPECT_PRED2(contains, error, "certificate revoked") << error;
  expectA2aWarning(c, mark, "certificate revoked");
}

TEST_F(A2aListener, PlainHttpIsRefusedWithoutAskingForACertificate) {
  size_t mark = node_->output().size();
  TestTlsClient c(client(""));
  ASSERT_TRUE(c.connectPlain(a2aPort_)) << c.error();
  ASSERT_TRUE(c.sendRaw("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"));
  std::string answer = c.readUntilClose(3s);
  EXPECT_EQ(answer.rfind("HTTP/", 0), std::string::npos) << "plain HTTP was answered: " << answer;
  expectA2aWarning(c, mark, "http request: plain HTTP was sent to the TLS port; use https");
  EXPECT_FALSE(contains(node_->outputSince(mark), "client certificate"))
      << node_->outputSince(mark);
}

TEST_F(A2aListener, AgentChannelRequestsAreNotServedThere) {
  // The agent channel logs "... from <fromAgent> ..." as a message starts: the control shows it.
  TestTlsClient mesh(client("node-b"));
  HttpResponse r;
  ASSERT_TRUE(mesh.connect(node_->port())) << mesh.error();
  ASSERT_TRUE(mesh.request("POST", "/api/message", R"({"fromAgent":"control","message":"hi"})", r))
      << mesh.error();
  ASSERT_EQ(r.status, 200) << r.body;
  ASSERT_TRUE(node_->waitForOutput("from control ")) << node_->output();
  HttpResponse ping;
  ASSERT_TRUE(mesh.get("/api/mesh/ping", ping)) << mesh.error();
  ASSERT_EQ(ping.status, 200);

  for (const std::string stem : {"", "node-b"}) {
    TestTlsClient c(client(stem));
    ASSERT_TRUE(c.connect(a2aPort_)) << c.error();
    const std::string from = "via-a2a-" + std::string(stem.empty() ? "anonymous" : stem);
    ASSERT_TRUE(
        c.request("POST", "/api/message", R"({"fromAgent":")" + from + R"(","message":"hi"})", r))
        << c.error();
    EXPECT_FALSE(r.status == 200 && contains(r.body, R"("response")"))
        << "the agent channel answered on the A2A listener: " << r.status << " " << r.body;
    ASSERT_TRUE(c.get("/api/mesh/ping", r)) << c.error();
    EXPECT_FALSE(r.status == 200 && r.body == ping.body) << "ping answered there: " << r.body;
    ASSERT_TRUE(mesh.request("POST", "/api/message",
                             R"({"fromAgent":"after-)" + from + R"(","message":"hi"})", r));
    ASSERT_TRUE(node_->waitForOutput("from after-" + from + " ")) << node_->output();
    EXPECT_FALSE(contains(node_->output(), "from " + from + " "))
        << "a message sent to the A2A listener ran as an agent channel task";
  }
}

TEST_F(A2aListener, FramingAttacksAreRefusedAsOnTheChannel) {
  expectRefused(kPostLine + "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400,
                kBadRequest, "Content-Length, then Transfer-Encoding");
  expectRefused(kPostLine + "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n", 400,
                kBadRequest, "Transfer-Encoding, then Content-Length");
  expectRefused(kPostLine + "X-Note: a\r\n folded\r\nContent-Length: 5\r\n\r\nhello", 400,
                kBadRequest, "obs-fold");
  expectRefused("GET / HTTP/1.9\r\nHost: 127.0.0.1\r\n\r\n", 505, kBadVersion, "HTTP/1.9");
  expectRefused(kPostLine + "Content-Length: " + std::to_string(kBodyLimit + 1) + "\r\n\r\n", 413,
                kBodyTooLarge, "Content-Length over 10 MiB");
  expectRefused("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Pad: " + std::string(33 * 1024, 'p') +
                    "\r\n\r\n",
                431, kHeadTooLarge, "a 33 KiB head");
}

TEST_F(A2aListener, RequestSentAByteAtATimeIsAnsweredLikeAWholeOne) {
  const std::string request = "GET /a2a/echo/.well-known/agent-card.json HTTP/1.1\r\n"
                              "Host: 127.0.0.1\r\nAuthorization: Bearer not-a-token\r\n\r\n";
  TestTlsClient whole(client(""));
  HttpResponse expected;
  ASSERT_TRUE(whole.connect(a2aPort_) && whole.sendRaw(request) && whole.readResponse(expected))
      << whole.error();
  TestTlsClient trickled(client(""));
  ASSERT_TRUE(trickled.connect(a2aPort_)) << trickled.error();
  for (char byte : request)
    ASSERT_TRUE(trickled.sendRaw(std::string(1, byte))) << trickled.error();
  HttpResponse r;
  ASSERT_TRUE(trickled.readResponse(r)) << trickled.error();
  EXPECT_EQ(r.status, expected.status);
  EXPECT_EQ(r.body, expected.body);
}

TEST_F(A2aListener, StalledHandshakeIsCutOffAtTheDeadline) {
  auto started = Clock::now();
  RawChannelClient silent;
  ASSERT_TRUE(silent.connect(a2aPort_)) << silent.error();
  EXPECT_TRUE(silent.waitForClose(2500ms)) << "still open 2.5 s after accept (deadline 1 s)";
  auto took = std::chrono::duration_cast<milliseconds>(Clock::now() - started);
  EXPECT_GE(took.count(), 900) << "closed before the handshake deadline";

  const std::string hello = TestTlsClient(client("")).clientHello();
  RawChannelClient partial;
  ASSERT_TRUE(partial.connect(a2aPort_)) << partial.error();
  ASSERT_TRUE(partial.send(hello.substr(0, 5))) << partial.error();
  EXPECT_TRUE(partial.waitForClose(2500ms)) << "a partial ClientHello kept the connection";
}

// ---------------------------------------------------------------------------------------------
// rivetd: a node without the listener, a port in use, certificate reload
// ---------------------------------------------------------------------------------------------

namespace {

// Listens on 127.0.0.1:port (nothing is accepted); the fd, or -1.
int holdPort(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      ::listen(fd, 4) != 0) {
    if (fd >= 0)
      ::close(fd);
    return -1;
  }
  return fd;
}

} // namespace

TEST(A2aListenerNode, IsAbsentWhenA2aIsNotEnabled) {
  TestPki pki;
  int port = freePort();
  NodeSettings s = nodeSettings(pki, "node-a");
  s.tailYaml = "a2a:\n  enabled: false\n  port: " + std::to_string(port) + "\n";
  NodeProcess node(s);
  ASSERT_TRUE(node.ready()) << node.output();
  RawChannelClient c;
  EXPECT_FALSE(c.connect(port)) << "something listens on a2a.port with a2a.enabled: false";
  EXPECT_PRED2(contains, c.error(), "refused") << c.error();
  EXPECT_FALSE(contains(node.output(), "A2A listener on")) << node.output();
}

TEST(A2aListenerNode, PortInUseStopsTheNodeNamingTheKeys) {
  TestPki pki;
  int port = freePort();
  int held = holdPort(port);
  ASSERT_GE(held, 0) << "cannot hold port " << port;
  NodeSettings s = nodeSettings(pki, "node-a");
  s.tailYaml = a2aSection(port);
  NodeProcess node(s);
  EXPECT_FALSE(node.ready()) << node.output();
  int code = node.process().wait(10s);
  ::close(held);
  EXPECT_NE(code, 0) << node.output();
  EXPECT_NE(code, -1) << "still running: " << node.output();
  EXPECT_PRED2(contains, node.output(),
               "a2a listener: cannot listen on 127.0.0.1:" + std::to_string(port) +
                   " (a2a.address, a2a.port): Address already in use; choose a free a2a.port")
      << node.output();
  RawChannelClient c;
  EXPECT_FALSE(c.connect(node.port())) << "the agent channel stayed open";
}

TEST(A2aListenerNode, MismatchedA2aKeyStopsTheNodeNamingTheKey) {
  TestPki pki;
  ca::IssueOptions o;
  o.fileStem = "a2a-own";
  auto own = pki.issueNode("node-a", o);
  NodeSettings s = nodeSettings(pki, "node-a");
  s.tailYaml = a2aSection(freePort()) + "  tls:\n    cert: " + own.certPath +
               "\n    key: " + s.keyPath + "\n"; // the node's key, not the certificate's
  NodeProcess node(s);
  EXPECT_FALSE(node.ready()) << node.output();
  int code = node.process().wait(10s);
  EXPECT_NE(code, 0) << node.output();
  EXPECT_NE(code, -1) << "still running: " << node.output();
  EXPECT_PRED2(contains, node.output(),
               "a2a.tls.key " + s.keyPath + " does not belong to the certificate " + own.certPath)
      << node.output();
}

TEST(A2aListenerNode, ReloadCoversTheA2aCertificate) {
  TestPki pki;
  TempDir live;
  pki.issueNode("node-b");
  auto version = [&](const std::string& stem) {
    ca::IssueOptions o;
    o.fileStem = stem;
    o.dnsNames = {stem + ".example"};
    return pki.issueNode("node-a", o);
  };
  auto install = [&](const ca::IssuedFiles& files) {
    for (auto [from, to] : {std::pair{files.keyPath, live.file("a2a.key")},
                            std::pair{files.certPath, live.file("a2a.crt")}}) {
      writeFile(to + ".tmp", readFile(from));
      ASSERT_EQ(std::rename((to + ".tmp").c_str(), to.c_str()), 0) << to;
    }
  };
  auto first = version("a2a-v1");
  install(first);
  int a2aPort = freePort();
  NodeSettings s = nodeSettings(pki, "node-a");
  s.tailYaml = a2aSection(a2aPort) + "  tls:\n    cert: " + live.file("a2a.crt") +
               "\n    key: " + live.file("a2a.key") + "\n";
  NodeProcess node(s);
  ASSERT_TRUE(node.ready()) << node.output();
  auto served = [&](int port, const std::string& stem) {
    TestTlsClient c(clientOptions(pki, stem, "node-a.mesh"));
    HttpResponse r;
    EXPECT_TRUE(c.connect(port) && c.get("/", r)) << c.error();
    return c.serverFingerprint();
  };
  const std::string nodeCert = certificateFingerprint(s.certPath);
  EXPECT_EQ(served(a2aPort, ""), certificateFingerprint(first.certPath));
  EXPECT_EQ(served(node.port(), "node-b"), nodeCert);

  auto second = version("a2a-v2");
  size_t mark = node.output().size();
  install(second);
  ASSERT_TRUE(
      node.waitForOutputSince(mark, "TLS material reloaded (a certificate file changed)", 3s))
      << node.outputSince(mark);
  EXPECT_PRED2(contains, node.outputSince(mark), "the A2A listener's " + live.file("a2a.crt"));
  EXPECT_EQ(served(a2aPort, ""), certificateFingerprint(second.certPath));
  EXPECT_EQ(served(node.port(), "node-b"), nodeCert) << "the agent channel changed certificate";

  mark = node.output().size();
  writeFile(live.file("a2a.crt"), "-----BEGIN CERTIFICATE-----\nbroken\n");
  node.process().signal(SIGHUP);
  ASSERT_TRUE(node.waitForOutputSince(mark, "TLS reload refused (SIGHUP): a2a.tls.cert " +
                                                live.file("a2a.crt") + " is not a PEM certificate"))
      << node.outputSince(mark);
  EXPECT_EQ(served(a2aPort, ""), certificateFingerprint(second.certPath));
  EXPECT_TRUE(node.process().running());
}

// ---------------------------------------------------------------------------------------------
// The real transport in this process, with a host of the test's own
// ---------------------------------------------------------------------------------------------

namespace {

std::string view(rivet_str s) {
  return std::string(s.data ? s.data : "", s.len);
}

// What the host was handed for one request.
struct Seen {
  std::string listener, peerCn, peerSans, path;
  std::vector<std::pair<std::string, std::string>> headers;
};

// What /flood and /stall saw of the transport's answers to their host.
struct StreamReport {
  std::atomic<bool> done{false};
  std::atomic<bool> refused{false};    // a chunk returned non-zero
  std::atomic<size_t> accepted{0};     // payload bytes of the chunks that returned 0
  std::atomic<int> keepAlives{0};      // /stall: keep-alive chunks that returned 0
  std::atomic<int64_t> refusedAtMs{0}; // /stall: when a chunk first returned non-zero
};

// Answers /fields with header fields of its own (some the transport must drop), /stream as
// Server-Sent Events, /late 300 ms later from its own thread, everything else at once.
// /flood streams 1 MiB chunks of 'Z' until one is refused (at most 64); /stall streams 4 MiB,
// then a keep-alive every 100 ms until one is refused (at most 10 s).

class RecordingHost : public StubHostServices {
public:
  explicit RecordingHost(std::string nodeInfo) : nodeInfo_(std::move(nodeInfo)) {}
  ~RecordingHost() override { join(); }
  std::string nodeInfoJson() const override { return nodeInfo_; }

  void dispatchAsync(const rivet_inbound_request& request,
                     const rivet_async_responder& responder) override {
    Seen s{view(request.listener),
           view(request.peer_cn),
           view(request.peer_sans),
           view(request.path),
           {}};
    for (size_t i = 0; i < request.header_count; ++i)
      s.headers.emplace_back(view(request.headers[i].name), view(request.headers[i].value));
    {
      std::lock_guard<std::mutex> lock(mutex_);
      seen_.push_back(s);
    }
    rivet_async_responder r = responder;
    if (s.path == "/fields") {
      const rivet_header fields[] = {
          {{"Content-Type", 12}, {"text/plain; charset=utf-8", 25}},
          {{"WWW-Authenticate", 16}, {"Bearer realm=\"a2a\"", 18}},
          {{"Retry-After", 11}, {"7", 1}},
          {{"Cache-Control", 13}, {"no-store", 8}},
          {{"Content-Length", 14}, {"999", 3}},
          {{"X-Split", 7}, {"a\r\nInjected: 1", 15}},
          {{"Bad Name", 8}, {"x", 1}},
      };
      static const char body[] = "unauthorized";
      r.respond(r.ctx, 401, fields, sizeof fields / sizeof fields[0], {body, sizeof body - 1});
    } else if (s.path == "/stream") {
      spawn([r] {
        rivet_header fields[] = {{{"Content-Type", 12}, {"text/event-stream", 17}},
                                 {{"Cache-Control", 13}, {"no-cache", 8}}};
        int gone = r.begin(r.ctx, 200, fields, 2);
        for (int i = 1; i <= 3 && !gone; ++i) {
          std::this_thread::sleep_for(30ms);
          std::string event =
              "event: status-update\ndata: {\"part\":" + std::to_string(i) + "}\n\n";
          gone = r.chunk(r.ctx, {event.data(), event.size()});
        }
        r.end(r.ctx);
      });
    } else if (s.path == "/flood" || s.path == "/stall") {
      StreamReport* out = s.path == "/flood" ? &flood : &stall;
      spawn([r, out, stalling = s.path == "/stall"] {
        const std::string mib(1024 * 1024, 'Z');
        auto started = Clock::now();
        int gone = r.begin(r.ctx, 200, nullptr, 0);
        for (int i = 0; i < (stalling ? 4 : 64) && !gone; ++i)
          if (!(gone = r.chunk(r.ctx, {mib.data(), mib.size()})))
            out->accepted += mib.size();
        static const char keepAlive[] = ": keep-alive\n\n";
        while (stalling && !gone && Clock::now() - started < 10s) {
          std::this_thread::sleep_for(100ms);
          if (!(gone = r.chunk(r.ctx, {keepAlive, sizeof keepAlive - 1})))
            ++out->keepAlives;
        }
        out->refusedAtMs = std::chrono::duration_cast<milliseconds>(Clock::now() - started).count();
        out->refused = gone != 0;
        r.end(r.ctx);
        out->done = true;
      });
    } else if (s.path == "/hold") { // begins 300 ms later, ends once let go (at most 5 s)
      spawn([r, this] {
        std::this_thread::sleep_for(300ms);
        static const char part[] = "{\"waiting\":true}";
        if (!r.begin(r.ctx, 200, nullptr, 0))
          r.chunk(r.ctx, {part, sizeof part - 1});
        for (auto until = Clock::now() + 5s; !letGo && Clock::now() < until;)
          std::this_thread::sleep_for(10ms);
        r.end(r.ctx);
      });
    } else if (s.path == "/late") {
      spawn([r] {
        std::this_thread::sleep_for(300ms);
        static const char late[] = R"({"late":true})";
        r.respond(r.ctx, 200, nullptr, 0, {late, sizeof late - 1});
      });
    } else {
      static const char ok[] = R"({"ok":true})";
      r.respond(r.ctx, 200, nullptr, 0, {ok, sizeof ok - 1});
    }
  }

  StreamReport flood, stall;
  std::atomic<bool> letGo{false}; // /hold ends its answers

  Seen last() {
    std::lock_guard<std::mutex> lock(mutex_);
    return seen_.empty() ? Seen{} : seen_.back();
  }
  void join() {
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto& t : threads_)
      if (t.joinable())
        t.join();
    threads_.clear();
  }

private:
  template <class F> void spawn(F f) {
    std::lock_guard<std::mutex> lock(mutex_);
    threads_.emplace_back(std::move(f));
  }
  std::string nodeInfo_;
  std::mutex mutex_;
  std::vector<Seen> seen_;
  std::vector<std::thread> threads_;
};

class A2aTransport : public ::testing::Test {
protected:
  void SetUp() override {
    prepareForManySockets();
    files_ = pki_.issueNode("node-a");
    pki_.issueNode("node-b");
    foreign_.issueNode("node-b");
    start(true);
  }
  void TearDown() override {
    host_->join(); // every answer is given before the transport is destroyed (abi.h)
    transport_.reset();
  }

  // With `a2aFiles` the A2A listener presents them instead of the node's certificate.
  void start(bool withA2a, const std::string& settings = R"({"io_threads":1})",
             const ca::IssuedFiles* a2aFiles = nullptr) {
    const ca::IssuedFiles& a2aPair = a2aFiles ? *a2aFiles : files_;
    if (transport_) {
      host_->join();
      transport_.reset();
    }
    port_ = freePort();
    a2aPort_ = freePort();
    std::string a2a = R"(,"a2a":{"listen_host":"127.0.0.1","port":)" + std::to_string(a2aPort_) +
                      R"(,"cert_path":")" + a2aPair.certPath + R"(","key_path":")" +
                      a2aPair.keyPath + R"("})";
    std::string info = R"({"node_name":"node-a","listen_host":"127.0.0.1","port":)" +
                       std::to_string(port_) + R"(,"version":"test","tls":{"ca_path":")" +
                       pki_.chainPath() + R"(","cert_path":")" + files_.certPath +
                       R"(","key_path":")" + files_.keyPath + R"(","crl_path":""})" +
                       (withA2a ? a2a : "") + "}";
    host_ = std::make_unique<RecordingHost>(info);
    auto plugin = plugin::loadPlugin(std::string(RIVET_PLUGIN_DIR) + "/transport-mtls.so");
    transport_ = std::make_unique<plugin::PluginInstance>(plugin, *host_, "transport-mtls",
                                                          "AgentChannel", settings);
    transport_->create();
    transport_->start();
  }

  Poco::JSON::Object::Ptr metrics() {
    auto ops = static_cast<const rivet_transport_ops*>(transport_->plugin().ops());
    std::string json;
    rivet_writer w{&json, [](void* ctx, const char* data, size_t len) {
                     static_cast<std::string*>(ctx)->append(data, len);
                   }};
    ops->metrics(transport_->instance(), &w);
    return Poco::JSON::Parser().parse(json).extract<Poco::JSON::Object::Ptr>();
  }
  static int64_t at(const Poco::JSON::Object::Ptr& o, const std::string& key,
                    const std::string& inner = "") {
    if (inner.empty())
      return o->getValue<int64_t>(key);
    return o->getObject(key)->getValue<int64_t>(inner);
  }
  TlsClientOptions client(const std::string& stem) const {
    return clientOptions(pki_, stem, "node-a.mesh");
  }

  TestPki pki_;
  TestPki foreign_;
  ca::IssuedFiles files_;
  int port_ = 0;
  int a2aPort_ = 0;
  std::unique_ptr<RecordingHost> host_;
  std::unique_ptr<plugin::PluginInstance> transport_;
};

} // namespace

TEST_F(A2aTransport, RequestsAreTaggedWithTheirListenerAndCarryEveryHeaderField) {
  TestTlsClient anonymous(client(""));
  HttpResponse r;
  ASSERT_TRUE(anonymous.connect(a2aPort_)) << anonymous.error();
  ASSERT_TRUE(anonymous.request("POST", "/a2a/echo/", R"({"jsonrpc":"2.0"})", r,
                                {{"Authorization", "Bearer t0ken"},
                                 {"A2A-Version", "0.3"},
                                 {"Content-Type", "application/json"},
                                 {"X-Trace", "  padded  "}}))
      << anonymous.error();
  EXPECT_EQ(r.status, 200);
  Seen s = host_->last();
  EXPECT_EQ(s.listener, "a2a");
  EXPECT_EQ(s.peerCn, "");
  EXPECT_EQ(s.peerSans, "");
  std::map<std::string, std::string> fields(s.headers.begin(), s.headers.end());
  EXPECT_EQ(fields["Authorization"], "Bearer t0ken");
  EXPECT_EQ(fields["A2A-Version"], "0.3");
  EXPECT_EQ(fields["Content-Type"], "application/json");
  EXPECT_EQ(fields["X-Trace"], "padded");
  EXPECT_EQ(fields["Content-Length"], "17");
  EXPECT_TRUE(fields.count("Host"));

  TestTlsClient mesh(client("node-b"));
  ASSERT_TRUE(mesh.connect(a2aPort_) && mesh.get("/x", r)) << mesh.error();
  s = host_->last();
  EXPECT_EQ(s.listener, "a2a");
  EXPECT_EQ(s.peerCn, "node-b");
  EXPECT_PRED2(contains, s.peerSans, "node-b.mesh");

  TestTlsClient channel(client("node-b"));
  ASSERT_TRUE(channel.connect(port_) && channel.get("/api/mesh/ping", r)) << channel.error();
  s = host_->last();
  EXPECT_EQ(s.listener, "");
  EXPECT_EQ(s.peerCn, "node-b");
}

TEST_F(A2aTransport, TheHostsHeaderFieldsPassThroughAndFramingStaysTheTransports) {
  TestTlsClient c(client(""));
  ASSERT_TRUE(c.connect(a2aPort_)) << c.error();
  ASSERT_TRUE(c.sendRaw("GET /fields HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"));
  std::string raw = c.readUntilClose(5s);
  EXPECT_EQ(raw.rfind("HTTP/1.1 401 ", 0), 0u) << raw;
  EXPECT_EQ(count(raw, "Content-Type:"), 1u) << raw;
  EXPECT_PRED2(contains, raw, "\r\nContent-Type: text/plain; charset=utf-8\r\n");
  EXPECT_PRED2(contains, raw, "\r\nWWW-Authenticate: Bearer realm=\"a2a\"\r\n");
  EXPECT_PRED2(contains, raw, "\r\nRetry-After: 7\r\n");
  EXPECT_PRED2(contains, raw, "\r\nCache-Control: no-store\r\n");
  EXPECT_EQ(count(raw, "Content-Length:"), 1u) << raw;
  EXPECT_PRED2(contains, raw, "\r\nContent-Length: 12\r\n");
  EXPECT_FALSE(contains(raw, "Injected")) << "a value with CR LF split the response: " << raw;
  EXPECT_FALSE(contains(raw, "Bad Name")) << raw;
  EXPECT_EQ(raw.substr(raw.size() - 16), "\r\n\r\nunauthorized");
}

TEST_F(A2aTransport, StreamedAnswerPassesThroughAsServerSentEvents) {
  TestTlsClient c(client(""));
  ASSERT_TRUE(c.connect(a2aPort_)) << c.error();
  ASSERT_TRUE(c.sendRaw("POST /stream HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n"
                        "Content-Length: 0\r\nConnection: close\r\n\r\n"));
  std::string raw = c.readUntilClose(5s);
  EXPECT_EQ(raw.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << raw;
  EXPECT_PRED2(contains, raw, "\r\nTransfer-Encoding: chunked\r\n");
  EXPECT_PRED2(contains, raw, "\r\nContent-Type: text/event-stream\r\n");
  EXPECT_PRED2(contains, raw, "\r\nCache-Control: no-cache\r\n");
  for (int i = 1; i <= 3; ++i)
    EXPECT_PRED2(contains, raw,
                 "event: status-update\ndata: {\"part\":" + std::to_string(i) + "}\n\n\r\n");
  EXPECT_EQ(raw.substr(raw.size() - 5), "0\r\n\r\n") << raw;
}

TEST_F(A2aTransport, MetricsCountTheA2aListenerUnderItsOwnKeys) {
  auto before = metrics();
  for (const char* key : {"connections_open", "requests_in_progress", "handshake_failures",
                          "refused", "timeouts", "framing_errors", "connections_accepted"}) {
    EXPECT_TRUE(before->has(key)) << key;
    EXPECT_TRUE(before->has(std::string("a2a_") + key)) << key;
  }
  TestTlsClient open(client(""));
  HttpResponse r;
  ASSERT_TRUE(open.connect(a2aPort_) && open.get("/", r)) << open.error();
  TlsClientOptions o = clientOptions(foreign_, "node-b", "node-a.mesh");
  o.caPath = pki_.chainPath();
  TestTlsClient refusedClient(o);
  if (refusedClient.connect(a2aPort_))
    refusedClient.waitForClose(3s);
  TestTlsClient framing(client(""));
  ASSERT_TRUE(framing.connect(a2aPort_));
  framing.sendRaw("GET / HTTP/1.9\r\n\r\n");
  framing.readUntilClose(3s);

  framing.close(); // ends its linger
  auto m = metrics();
  for (auto until = Clock::now() + 3s; at(m, "a2a_connections_open") != 1 && Clock::now() < until;
       m = metrics())
    std::this_thread::sleep_for(10ms);
  EXPECT_EQ(at(m, "a2a_connections_open"), 1);
  EXPECT_EQ(at(m, "a2a_connections_accepted"), 3);
  EXPECT_EQ(at(m, "a2a_handshake_failures", "unknown_ca"), 1);
  EXPECT_EQ(at(m, "a2a_framing_errors"), 1);
  EXPECT_EQ(at(m, "connections_open"), 0) << "the agent channel's count moved";
  EXPECT_EQ(at(m, "connections_accepted"), 0);
  EXPECT_EQ(at(m, "handshake_failures", "unknown_ca"), 0);
  EXPECT_EQ(at(m, "framing_errors"), 0);

  start(false);
  auto without = metrics();
  EXPECT_TRUE(without->has("connections_open"));
  for (const auto& key : without->getNames())
    EXPECT_NE(key.rfind("a2a_", 0), 0u) << key << " without an A2A listener";
}

TEST_F(A2aTransport, AdmissionCapsApplyOnTheA2aListener) {
  start(true, R"({"io_threads":1,"max_handshakes_per_address":2})");
  RawChannelClient first, second, third;
  ASSERT_TRUE(first.connect(a2aPort_) && second.connect(a2aPort_)) << first.error();
  std::this_thread::sleep_for(100ms); // both admitted, their handshakes pending
  ASSERT_TRUE(third.connect(a2aPort_)) << third.error();
  EXPECT_TRUE(third.waitForClose(1s)) << "a third handshake from one address was admitted";
  EXPECT_FALSE(first.waitForClose(100ms));
  EXPECT_EQ(at(metrics(), "a2a_refused", "max_handshakes_per_address"), 1);
  EXPECT_EQ(at(metrics(), "refused", "max_handshakes_per_address"), 0);
  TestTlsClient mesh(client("node-b")); // the agent channel counts its own handshakes
  HttpResponse r;
  EXPECT_TRUE(mesh.connect(port_) && mesh.get("/api/mesh/ping", r)) << mesh.error();
}

TEST_F(A2aTransport, StopAnswersRequestsInProgressThenClosesBothListeners) {
  TestTlsClient idle(client(""));
  HttpResponse r;
  ASSERT_TRUE(idle.connect(a2aPort_) && idle.get("/", r)) << idle.error();
  TestTlsClient busy(client(""));
  ASSERT_TRUE(busy.connect(a2aPort_)) << busy.error();
  ASSERT_TRUE(busy.sendRaw("GET /late HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"));
  std::this_thread::sleep_for(50ms);
  transport_->stop();
  ASSERT_TRUE(busy.readResponse(r)) << busy.error();
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, R"({"late":true})");
  EXPECT_TRUE(idle.waitForClose(1s)) << "an idle A2A connection outlived stop";
  RawChannelClient a2a, channel;
  EXPECT_FALSE(a2a.connect(a2aPort_)) << "the A2A listener still accepts after stop";
  EXPECT_FALSE(channel.connect(port_)) << "the agent channel still accepts after stop";
}

TEST_F(A2aTransport, ItsOwnCertificateFromAnotherCaLeavesClientCertificatesToTheMeshCa) {
  TestPki operatorCa; // the operator's CA for the A2A listener, not the mesh's
  ca::IssueOptions o;
  o.fileStem = "a2a-public";
  auto a2aFiles = operatorCa.issueNode("node-a", o);
  start(true, R"({"io_threads":1})", &a2aFiles);
  auto trustingOperatorCa = [&](const TestPki& pki, const std::string& stem) {
    TlsClientOptions c = clientOptions(pki, stem, "node-a.mesh");
    c.caPath = operatorCa.chainPath();
    return c;
  };
  TestTlsClient anonymous(trustingOperatorCa(pki_, ""));
  HttpResponse r;
  ASSERT_TRUE(anonymous.connect(a2aPort_) && anonymous.get("/", r)) << anonymous.error();
  EXPECT_EQ(anonymous.serverFingerprint(), certificateFingerprint(a2aFiles.certPath));
  EXPECT_EQ(host_->last().peerCn, "");

  TestTlsClient mesh(trustingOperatorCa(pki_, "node-b"));
  ASSERT_TRUE(mesh.connect(a2aPort_) && mesh.get("/", r)) << mesh.error();
  EXPECT_EQ(host_->last().peerCn, "node-b");

  TestTlsClient outsider(trustingOperatorCa(operatorCa, "a2a-public")); // not the mesh CA's
  std::string error = outsider.connect(a2aPort_) && !outsider.waitForClose(3s)
                          ? "the server accepted the handshake"
                          : outsider.error();
  EXPECT_PRED2(contains, error, "unknown ca") << error;

  TestTlsClient channel(client("node-b")); // the agent channel still presents the node's
  ASSERT_TRUE(channel.connect(port_) && channel.get("/api/mesh/ping", r)) << channel.error();
  EXPECT_EQ(channel.serverFingerprint(), certificateFingerprint(files_.certPath));
}

// A head-only flood on the A2A listener holds no body budget, and bytes really held there take
// only the A2A listener's own budget: bodies on the agent channel are served all the while.
TEST_F(A2aTransport, BodiesHeldOnTheA2aListenerNeverStarveTheAgentChannel) {
  start(true, R"({"io_threads":1,"max_inflight_body_bytes":10485760})");
  auto served = [&](int port, const std::string& stem, size_t size) {
    TestTlsClient c(client(stem));
    HttpResponse r;
    if (!c.connect(port) || !c.request("POST", "/ok", std::string(size, 'b'), r))
      return -1;
    return r.status;
  };
  std::vector<std::unique_ptr<TestTlsClient>> heads; // 3 x the budget announced, no byte sent
  for (int i = 0; i < 3; ++i) {
    heads.push_back(std::make_unique<TestTlsClient>(client("")));
    ASSERT_TRUE(heads.back()->connect(a2aPort_)) << heads.back()->error();
    ASSERT_TRUE(heads.back()->sendRaw(kPostLine + "Content-Length: " + std::to_string(kBodyLimit) +
                                      "\r\n\r\n"));
  }
  std::this_thread::sleep_for(200ms);
  EXPECT_EQ(served(a2aPort_, "", 100000), 200) << "heads alone took the A2A listener's budget";
  EXPECT_EQ(served(port_, "node-b", 100000), 200) << "heads alone took the agent channel's budget";
  EXPECT_FALSE(heads.front()->waitForClose(100ms)) << "a head within the body limit was refused";

  // All of the A2A budget but 16 bytes really held by one body.
  heads.clear();
  TestTlsClient holder(client(""));
  ASSERT_TRUE(holder.connect(a2aPort_)) << holder.error();
  const std::string big(kBodyLimit, 'h');
  ASSERT_TRUE(holder.sendRaw(kPostLine + "Content-Length: " + std::to_string(kBodyLimit) +
                             "\r\n\r\n" + big.substr(0, kBodyLimit - 16)));
  std::this_thread::sleep_for(500ms);
  TestTlsClient refused(client(""));
  HttpResponse r;
  auto started = Clock::now();
  ASSERT_TRUE(refused.connect(a2aPort_) && refused.request("POST", "/ok", "0123456789abcdefgh", r))
      << refused.error();
  EXPECT_EQ(r.status, 503) << r.body;
  EXPECT_EQ(r.header("retry-after"), "1");
  EXPECT_LT(Clock::now() - started, 1s) << "the refusal was not at once";
  EXPECT_EQ(at(metrics(), "a2a_refused", "max_inflight_body_bytes"), 1);
  EXPECT_EQ(served(port_, "node-b", 1000000), 200) << "the A2A listener's bytes starved the mesh";
  EXPECT_EQ(at(metrics(), "refused", "max_inflight_body_bytes"), 0);
  ASSERT_TRUE(holder.sendRaw(big.substr(kBodyLimit - 16)));
  HttpResponse done;
  ASSERT_TRUE(holder.readResponse(done)) << holder.error();
  EXPECT_EQ(done.status, 200) << done.body;
  EXPECT_EQ(served(a2aPort_, "", 1000000), 200) << "the A2A budget did not come back";
}

// A client that never reads: at most the backlog limit (8 MiB) is queued for it; the chunk that
// would pass it returns non-zero and is never sent, and the answer ends without its last chunk.
TEST_F(A2aTransport, AChunkPastTheStreamBacklogIsRefusedAndNotQueued) {
  TlsClientOptions o = client("");
  o.receiveBufferBytes = 1024;
  TestTlsClient c(o);
  ASSERT_TRUE(c.connect(a2aPort_)) << c.error();
  ASSERT_TRUE(c.sendRaw("POST /flood HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n\r\n"));
  for (auto until = Clock::now() + 10s; !host_->flood.done && Clock::now() < until;)
    std::this_thread::sleep_for(10ms);
  ASSERT_TRUE(host_->flood.done) << "the host is still writing";
  EXPECT_TRUE(host_->flood.refused) << "64 MiB queued for a client that never reads";
  const size_t accepted = host_->flood.accepted;
  EXPECT_GE(accepted, 1u << 20); // beyond the 8 MiB queued: what the kernel's buffers took
  std::string raw = c.readUntilClose(20s); // now it reads: what was queued, then the close
  EXPECT_EQ(raw.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << raw.substr(0, 200);
  EXPECT_EQ(count(raw, "Z"), accepted) << "the refused chunk was sent after all";
  EXPECT_NE(raw.substr(raw.size() - 5), "0\r\n\r\n") << "a cut answer ended as if complete";
}

// A stream whose client stopped reading is closed at the write deadline, counted from when its
// bytes began to wait, however often the host writes a keep-alive meanwhile.
TEST_F(A2aTransport, AStreamThatIsNotReadIsClosedAtTheWriteDeadlineDespiteKeepAlives) {
  start(true, R"({"io_threads":1,"write_timeout_ms":1000})");
  TlsClientOptions o = client("");
  o.receiveBufferBytes = 1024;
  TestTlsClient c(o);
  ASSERT_TRUE(c.connect(a2aPort_)) << c.error();
  ASSERT_TRUE(c.sendRaw("POST /stall HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n\r\n"));
  for (auto until = Clock::now() + 15s; !host_->stall.done && Clock::now() < until;)
    std::this_thread::sleep_for(10ms);
  ASSERT_TRUE(host_->stall.done);
  EXPECT_EQ(host_->stall.accepted, 4u << 20);
  EXPECT_TRUE(host_->stall.refused)
      << host_->stall.keepAlives << " keep-alives kept a stalled stream open for 10 s";
  EXPECT_GE(host_->stall.keepAlives, 5) << "the host was not writing keep-alives meanwhile";
  EXPECT_GE(host_->stall.refusedAtMs, 900);
  EXPECT_LE(host_->stall.refusedAtMs, 3000);
  EXPECT_EQ(at(metrics(), "a2a_timeouts", "write"), 1);
}

// The request (its body and budget share) is let go when the host begins its answer, even when
// the client left before: a long wait answered by begin holds no body bytes.
TEST_F(A2aTransport, ABegunAnswerHoldsNoRequestBodyEvenWhenItsClientHasGone) {
  start(true, R"({"io_threads":1,"max_inflight_body_bytes":10485760})");
  const std::string five(5 * 1024 * 1024, 'f');
  {
    TestTlsClient leaves(client(""));
    ASSERT_TRUE(leaves.connect(a2aPort_)) << leaves.error();
    ASSERT_TRUE(leaves.sendRaw("POST /hold HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: " +
                               std::to_string(five.size()) + "\r\n\r\n" + five));
    std::this_thread::sleep_for(100ms); // read and dispatched; it leaves before the answer begins
  }
  TestTlsClient stays(client(""));
  ASSERT_TRUE(stays.connect(a2aPort_)) << stays.error();
  ASSERT_TRUE(stays.sendRaw("POST /hold HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: " +
                            std::to_string(five.size()) + "\r\n\r\n" + five));
  std::string begun;
  ASSERT_TRUE(stays.readUntil("waiting", begun)) << stays.error();
  TestTlsClient next(client(""));
  HttpResponse r;
  ASSERT_TRUE(next.connect(a2aPort_) &&
              next.request("POST", "/ok", std::string(9 * 1024 * 1024, 'n'), r))
      << next.error();
  EXPECT_EQ(r.status, 200) << "two begun answers still hold their bodies: " << r.body;
  host_->letGo = true;
}
