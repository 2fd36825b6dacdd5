// The transport's request_async (ABI 1.6): requests to peers on its I/O loop, with the real
// transport-mtls plugin loaded twice in this process (node-a sends, node-b answers through a host
// of the test's own) and hostile peers of the test's own: one that never finishes TLS, one that
// answers bytes that are no HTTP, one that answers too much.
#include "MeshTestKit.hpp"
#include "StallingListener.hpp"
#include "StubHostServices.hpp"

#include "plugin/PluginInstance.hpp"
#include "plugin/PluginLoader.hpp"

#include <gtest/gtest.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/StreamSocket.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

using namespace rivet;
using namespace rivet::test;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

std::string view(rivet_str s) {
  return std::string(s.data ? s.data : "", s.len);
}

std::string transportInfo(TestPki& pki, const std::string& node, int port) {
  auto files = pki.issueNode(node);
  return R"({"node_name":")" + node + R"(","listen_host":"127.0.0.1","port":)" +
         std::to_string(port) + R"(,"version":"test","tls":{"ca_path":")" + pki.chainPath() +
         R"(","cert_path":")" + files.certPath + R"(","key_path":")" + files.keyPath +
         R"(","crl_path":""}})";
}

// node-b's host: /echo answers the body at once; /never keeps its answer until release().
class PeerHost : public StubHostServices {
public:
  explicit PeerHost(std::string info) : info_(std::move(info)) {}
  std::string nodeInfoJson() const override { return info_; }
  void dispatchAsync(const rivet_inbound_request& request,
                     const rivet_async_responder& responder) override {
    if (view(request.path) == "/never") {
      std::lock_guard<std::mutex> lock(mutex_);
      held_.push_back(responder);
      return;
    }
    std::string body = "echo:" + view(request.body);
    responder.respond(responder.ctx, 200, nullptr, 0, {body.data(), body.size()});
  }
  void release() { // every answer is given before the transport goes (abi.h)
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto& r : held_)
      r.respond(r.ctx, 200, nullptr, 0, {"{}", 2});
    held_.clear();
  }

private:
  std::string info_;
  std::mutex mutex_;
  std::vector<rivet_async_responder> held_;
};

struct Answer {
  rivet_net_result result = RIVET_NET_UNAVAILABLE;
  int status = 0;
  std::string body, error;
  std::thread::id thread;
};

// One request_async call and its answer, with what the test can check about the call itself.
class Pending {
public:
  static void done(void* ctx, rivet_net_result result, int status, rivet_str body,
                   rivet_str error) {
    auto* p = static_cast<Pending*>(ctx);
    std::lock_guard<std::mutex> lock(p->mutex_);
    p->calls_++;
    p->answer_ = {result, status, view(body), view(error), std::this_thread::get_id()};
    p->cv_.notify_all();
  }
  bool wait(std::chrono::milliseconds limit) {
    std::unique_lock<std::mutex> lock(mutex_);
    return cv_.wait_for(lock, limit, [this] { return calls_ > 0; });
  }
  Answer answer() {
    std::lock_guard<std::mutex> lock(mutex_);
    return answer_;
  }
  int calls() {
    std::lock_guard<std::mutex> lock(mutex_);
    return calls_;
  }

private:
  std::mutex mutex_;
  std::condition_variable cv_;
  int calls_ = 0;
  Answer answer_;
};

// node-b's server context for the raw peers below.
SSL_CTX* rawPeerContext(const ca::IssuedFiles& files) {
  SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
  SSL_CTX_use_certificate_chain_file(ctx, files.certPath.c_str());
  SSL_CTX_use_PrivateKey_file(ctx, files.keyPath.c_str(), SSL_FILETYPE_PEM);
  return ctx;
}

// TLS on an accepted socket (blocking, reads of at most 5 s), then a request head read; the
// connection, or null when the handshake failed.
SSL* acceptRequest(SSL_CTX* ctx, Poco::Net::StreamSocket& s) {
  s.setBlocking(true);
  s.setReceiveTimeout(Poco::Timespan(5, 0));
  SSL* ssl = SSL_new(ctx);
  SSL_set_fd(ssl, s.impl()->sockfd());
  if (SSL_accept(ssl) != 1) {
    SSL_free(ssl);
    ERR_clear_error();
    return nullptr;
  }
  char buf[4096];
  std::string got;
  while (got.find("\r\n\r\n") == std::string::npos) {
    int n = SSL_read(ssl, buf, sizeof buf);
    if (n <= 0)
      break;
    got.append(buf, static_cast<size_t>(n));
  }
  return ssl;
}

// A TLS peer with node-b's certificate that reads a request and writes `reply` in TLS records
// of `piece` bytes (1: a byte at a time), then closes.
class RawTlsPeer {
public:
  RawTlsPeer(const ca::IssuedFiles& files, std::string reply, size_t piece = 16384)
      : socket_(Poco::Net::SocketAddress("127.0.0.1", 0)), reply_(std::move(reply)), piece_(piece),
        ctx_(rawPeerContext(files)) {
    thread_ = std::thread([this] { serve(); });
  }
  ~RawTlsPeer() {
    stop_ = true;
    thread_.join();
    SSL_CTX_free(ctx_);
  }
  int port() const { return socket_.address().port(); }

private:
  void serve() {
    while (!stop_) {
      if (!socket_.poll(Poco::Timespan(0, 50000), Poco::Net::Socket::SELECT_READ))
        continue;
      Poco::Net::StreamSocket s = socket_.acceptConnection();
      SSL* ssl = acceptRequest(ctx_, s);
      if (!ssl)
        continue;
      for (size_t off = 0; off < reply_.size();) {
        int n = SSL_write(ssl, reply_.data() + off,
                          static_cast<int>(std::min<size_t>(reply_.size() - off, piece_)));
        if (n <= 0)
          break;
        off += static_cast<size_t>(n);
      }
      SSL_shutdown(ssl);
      SSL_free(ssl);
      ERR_clear_error();
    }
  }
  Poco::Net::ServerSocket socket_;
  std::string reply_;
  size_t piece_;
  SSL_CTX* ctx_ = nullptr;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// A TLS peer with node-b's certificate that answers every request with a head announcing
// `length` body bytes and a few of them, then holds the connection until it goes.
class HoldingPeer {
public:
  HoldingPeer(const ca::IssuedFiles& files, size_t length)
      : socket_(Poco::Net::SocketAddress("127.0.0.1", 0)),
        head_("HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(length) + "\r\n\r\n" +
              std::string(100, 'b')),
        ctx_(rawPeerContext(files)) {
    thread_ = std::thread([this] { serve(); });
  }
  ~HoldingPeer() {
    stop_ = true;
    thread_.join();
    for (auto& t : held_)
      t.join();
    SSL_CTX_free(ctx_);
  }
  int port() const { return socket_.address().port(); }
  // Heads written so far.
  int answered() const { return answered_; }

private:
  void serve() {
    while (!stop_) {
      if (!socket_.poll(Poco::Timespan(0, 50000), Poco::Net::Socket::SELECT_READ))
        continue;
      Poco::Net::StreamSocket s = socket_.acceptConnection();
      held_.emplace_back([this, s]() mutable { hold(s); });
    }
  }
  void hold(Poco::Net::StreamSocket s) {
    SSL* ssl = acceptRequest(ctx_, s);
    if (!ssl)
      return;
    if (SSL_write(ssl, head_.data(), static_cast<int>(head_.size())) > 0)
      ++answered_;
    while (!stop_)
      std::this_thread::sleep_for(20ms);
    SSL_free(ssl);
    ERR_clear_error();
  }
  Poco::Net::ServerSocket socket_;
  std::string head_;
  SSL_CTX* ctx_ = nullptr;
  std::atomic<bool> stop_{false};
  std::atomic<int> answered_{0};
  std::vector<std::thread> held_;
  std::thread thread_;
};

// node-a's host: node info of the test's choice, nothing else.
struct InfoHost : StubHostServices {
  std::string info;
  std::string nodeInfoJson() const override { return info; }
};

class TransportForward : public ::testing::Test {
protected:
  void SetUp() override {
    portA_ = freePort();
    portB_ = freePort();
    hostA_ = std::make_unique<InfoHost>();
    hostA_->info = transportInfo(pki_, "node-a", portA_);
    hostB_ = std::make_unique<PeerHost>(transportInfo(pki_, "node-b", portB_));
    a_ = start(*hostA_);
    b_ = start(*hostB_);
  }
  void TearDown() override {
    hostB_->release();
    a_.reset();
    b_.reset();
  }
  std::unique_ptr<plugin::PluginInstance>
  start(plugin::HostServices& host, const std::string& settings = R"({"io_threads":1})") {
    auto plugin = plugin::loadPlugin(std::string(RIVET_PLUGIN_DIR) + "/transport-mtls.so");
    auto t = std::make_unique<plugin::PluginInstance>(plugin, host, "transport-mtls",
                                                      "AgentChannel", settings);
    t->create();
    t->start();
    return t;
  }
  // request_async on node-a's transport; returns what request_async returned.
  int send(Pending& p, int port, const std::string& path, const std::string& body = "",
           int64_t timeoutMs = 5000, const std::string& name = "node-b.mesh") {
    rivet_peer_request req{};
    req.struct_size = sizeof req;
    req.host = {"127.0.0.1", 9};
    req.port = static_cast<uint32_t>(port);
    req.verify_name = {name.data(), name.size()};
    req.method = {"POST", 4};
    req.path = {path.data(), path.size()};
    req.body = {body.data(), body.size()};
    req.timeout_ms = timeoutMs;
    auto ops = static_cast<const rivet_transport_ops*>(a_->plugin().ops());
    return ops->request_async(a_->instance(), &req, &p, &Pending::done);
  }
  // The same request through the blocking client (request), answered on this thread.
  Answer sendBlocking(int port, const std::string& path, int64_t timeoutMs = 5000) {
    rivet_peer_request req{};
    req.struct_size = sizeof req;
    req.host = {"127.0.0.1", 9};
    req.port = static_cast<uint32_t>(port);
    req.verify_name = {"node-b.mesh", 11};
    req.method = {"POST", 4};
    req.path = {path.data(), path.size()};
    req.timeout_ms = timeoutMs;
    Answer a;
    auto append = [](void* ctx, const char* d, size_t n) {
      static_cast<std::string*>(ctx)->append(d, n);
    };
    rivet_peer_response resp{sizeof resp, 0, {&a.body, append}, {&a.error, append}};
    auto ops = static_cast<const rivet_transport_ops*>(a_->plugin().ops());
    a.result = ops->request(a_->instance(), &req, &resp);
    a.status = resp.status;
    return a;
  }
  // "/echo" through the blocking client, or request_async and its answer (an unanswered one
  // fails the test and reads as RIVET_NET_UNAVAILABLE).
  Answer ask(int port, bool blocking) {
    if (blocking)
      return sendBlocking(port, "/echo");
    Pending p;
    EXPECT_EQ(send(p, port, "/echo"), RIVET_OK);
    EXPECT_TRUE(p.wait(10s)) << "request_async never answered";
    return p.calls() > 0 ? p.answer() : Answer{};
  }
  size_t acceptedByB() {
    auto ops = static_cast<const rivet_transport_ops*>(b_->plugin().ops());
    std::string json;
    rivet_writer w{&json, [](void* ctx, const char* d, size_t n) {
                     static_cast<std::string*>(ctx)->append(d, n);
                   }};
    ops->metrics(b_->instance(), &w);
    auto at = json.find("\"connections_accepted\":");
    return at == std::string::npos ? 0 : std::stoul(json.substr(at + 23));
  }

  TestPki pki_;
  int portA_ = 0, portB_ = 0;
  std::unique_ptr<InfoHost> hostA_;
  std::unique_ptr<PeerHost> hostB_;
  std::unique_ptr<plugin::PluginInstance> a_, b_;
};

TEST_F(TransportForward, AnswersArriveOnTheLoopAfterTheCallAndTheConnectionIsKept) {
  for (int i = 0; i < 3; ++i) {
    Pending p;
    ASSERT_EQ(send(p, portB_, "/echo", "n" + std::to_string(i)), RIVET_OK);
    ASSERT_TRUE(p.wait(5s));
    Answer a = p.answer();
    EXPECT_EQ(a.result, RIVET_NET_OK) << a.error;
    EXPECT_EQ(a.status, 200);
    EXPECT_EQ(a.body, "echo:n" + std::to_string(i));
    EXPECT_NE(a.thread, std::this_thread::get_id()) << "done ran inside request_async";
    std::this_thread::sleep_for(20ms);
    EXPECT_EQ(p.calls(), 1);
  }
  EXPECT_EQ(acceptedByB(), 1u) << "the three requests did not share one kept-alive connection";
}

TEST_F(TransportForward, ManyAtOnceAreAllAnswered) {
  std::vector<std::unique_ptr<Pending>> all;
  for (int i = 0; i < 64; ++i) {
    all.push_back(std::make_unique<Pending>());
    ASSERT_EQ(send(*all.back(), portB_, "/echo", std::to_string(i)), RIVET_OK);
  }
  for (int i = 0; i < 64; ++i) {
    ASSERT_TRUE(all[i]->wait(10s)) << i;
    EXPECT_EQ(all[i]->answer().body, "echo:" + std::to_string(i));
  }
}

TEST_F(TransportForward, APeerThatNeverAnswersIsATimeoutOnceSent) {
  Pending p;
  auto before = Clock::now();
  ASSERT_EQ(send(p, portB_, "/never", "", 300), RIVET_OK);
  ASSERT_TRUE(p.wait(5s));
  Answer a = p.answer();
  EXPECT_EQ(a.result, RIVET_NET_TIMEOUT) << a.error;
  EXPECT_PRED2(contains, a.error, "within 300 ms");
  EXPECT_LT(Clock::now() - before, 3s);
}

TEST_F(TransportForward, RefusedStalledAndMisnamedPeersDeliveredNothing) {
  Pending refused;
  ASSERT_EQ(send(refused, freePort(), "/echo"), RIVET_OK);
  ASSERT_TRUE(refused.wait(5s));
  EXPECT_EQ(refused.answer().result, RIVET_NET_NOT_DELIVERED);
  EXPECT_PRED2(contains, refused.answer().error, "cannot connect to 127.0.0.1:");

  StallingListener stall;
  Pending stalled;
  auto before = Clock::now();
  ASSERT_EQ(send(stalled, stall.port(), "/echo", "", 60000), RIVET_OK);
  ASSERT_TRUE(stalled.wait(10s)) << "the connect timeout (5 s) did not end the handshake";
  EXPECT_EQ(stalled.answer().result, RIVET_NET_NOT_DELIVERED);
  EXPECT_PRED2(contains, stalled.answer().error, "handshake timed out");
  EXPECT_LT(Clock::now() - before, 8s);

  Pending misnamed;
  ASSERT_EQ(send(misnamed, portB_, "/echo", "", 5000, "node-x.mesh"), RIVET_OK);
  ASSERT_TRUE(misnamed.wait(5s));
  EXPECT_EQ(misnamed.answer().result, RIVET_NET_NOT_DELIVERED);
  EXPECT_PRED2(contains, misnamed.answer().error, "(expecting node-x.mesh) failed");
}

TEST_F(TransportForward, AnUnsafeRequestLineIsNeverSent) {
  Pending p;
  ASSERT_EQ(send(p, portB_, "/echo HTTP/1.1\r\nX: y"), RIVET_OK);
  ASSERT_TRUE(p.wait(5s));
  EXPECT_EQ(p.answer().result, RIVET_NET_NOT_DELIVERED);
  EXPECT_PRED2(contains, p.answer().error, "control characters");
  EXPECT_EQ(acceptedByB(), 0u);
}

TEST_F(TransportForward, HostileAnswersFailAsDeliveredAndAreNotReused) {
  auto files = pki_.issueNode("node-b");
  struct Case {
    std::string reply, error;
  } cases[] = {
      {"HELLO\r\n\r\n", "malformed HTTP response"},
      {"HTTP/1.1 200 OK\r\nContent-Length: 99999999999\r\n\r\n", "response too large"},
      {"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort", "reading the answer from"},
      {"HTTP/1.1 200 OK\r\nX: " + std::string(70000, 'x') + "\r\n\r\n", "response too large"},
  };
  for (const auto& c : cases) {
    RawTlsPeer peer(files, c.reply);
    Pending p;
    ASSERT_EQ(send(p, peer.port(), "/echo"), RIVET_OK);
    ASSERT_TRUE(p.wait(5s)) << c.error;
    EXPECT_EQ(p.answer().result, RIVET_NET_DELIVERED_FAILED) << c.error;
    EXPECT_PRED2(contains, p.answer().error, c.error);
  }
  // An answer that ends with the connection (no length) is whole.
  RawTlsPeer closing(files, "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nall of it");
  Pending p;
  ASSERT_EQ(send(p, closing.port(), "/echo"), RIVET_OK);
  ASSERT_TRUE(p.wait(5s));
  EXPECT_EQ(p.answer().result, RIVET_NET_OK) << p.answer().error;
  EXPECT_EQ(p.answer().body, "all of it");
}

TEST_F(TransportForward, AnswersInPiecesAndChunkedAnswersAreWhole) {
  auto files = pki_.issueNode("node-b");
  const std::string text(3000, 't');
  struct Case {
    std::string reply;
    size_t piece;
  } cases[] = {
      {"HTTP/1.1 200 OK\r\nContent-Length: 3000\r\n\r\n" + text, 1},
      {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n7d0\r\n" + text.substr(0, 2000) +
           "\r\n3E8;x=y\r\n" + text.substr(2000) + "\r\n0\r\n\r\n",
       1},
      {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nbb8\r\n" + text + "\r\n0\r\n\r\n", 7},
  };
  for (const auto& c : cases) {
    RawTlsPeer peer(files, c.reply, c.piece);
    Pending p;
    ASSERT_EQ(send(p, peer.port(), "/echo"), RIVET_OK);
    ASSERT_TRUE(p.wait(10s)) << c.reply.substr(0, 60);
    EXPECT_EQ(p.answer().result, RIVET_NET_OK) << p.answer().error;
    EXPECT_EQ(p.answer().status, 200);
    EXPECT_EQ(p.answer().body, text) << c.reply.substr(0, 60);
  }
  // A bad chunk size a byte at a time is refused as the whole one is.
  RawTlsPeer bad(files, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nx\r\n0\r\n\r\n",
                 1);
  Pending p;
  ASSERT_EQ(send(p, bad.port(), "/echo"), RIVET_OK);
  ASSERT_TRUE(p.wait(10s));
  EXPECT_EQ(p.answer().result, RIVET_NET_DELIVERED_FAILED);
  EXPECT_PRED2(contains, p.answer().error, "malformed HTTP response");
}

// RFC 9110 §15.2: a client parses any 1xx answers before the final one. Both clients skip them
// (a few at most) and never take one for the answer: the final answer left behind would be the
// next request's on a kept connection.
TEST_F(TransportForward, InterimAnswersAreSkippedByBothClients) {
  auto files = pki_.issueNode("node-b");
  const std::string final = "HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok";
  std::string eight;
  for (int i = 0; i < 8; ++i)
    eight += "HTTP/1.1 100 Continue\r\n\r\n";
  struct Case {
    std::string reply;
    size_t piece;
  } skipped[] = {
      {"HTTP/1.1 100 Continue\r\n\r\n" + final, 16384},
      {"HTTP/1.1 103 Early Hints\r\nLink: </a>; rel=preload\r\n\r\nHTTP/1.1 100 Continue\r\n\r\n" +
           final,
       1},
      {eight + final, 16384}, // the most it skips
  };
  for (const auto& c : skipped) {
    for (bool blocking : {false, true}) {
      RawTlsPeer peer(files, c.reply, c.piece);
      Answer a = ask(peer.port(), blocking);
      EXPECT_EQ(a.result, RIVET_NET_OK) << a.error << (blocking ? " blocking" : " async");
      EXPECT_EQ(a.status, 201) << (blocking ? "blocking" : "async");
      EXPECT_EQ(a.body, "ok") << (blocking ? "blocking" : "async");
    }
  }
  const std::string many = eight + "HTTP/1.1 100 Continue\r\n\r\n";
  struct Refused {
    std::string reply, error;
  } refused[] = {
      {many + final, "more than 8 interim (1xx) answers"},
      {"HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\nConnection: upgrade\r\n\r\n" + final,
       "an unrequested 101 Switching Protocols"},
  };
  for (const auto& c : refused) {
    for (bool blocking : {false, true}) {
      RawTlsPeer peer(files, c.reply);
      Answer a = ask(peer.port(), blocking);
      EXPECT_EQ(a.result, RIVET_NET_DELIVERED_FAILED) << (blocking ? "blocking" : "async");
      EXPECT_PRED2(contains, a.error, c.error) << (blocking ? "blocking" : "async");
    }
  }
}

// mesh.channel.max_inflight_answer_bytes: the answers both clients hold, node-wide, counted
// when a head announces them. Past it an answer fails as delivered, naming the setting, and the
// bytes come back when the answers end.
TEST_F(TransportForward, AnswersInFlightStayWithinTheNodesBudget) {
  a_.reset(); // node-a again, with the smallest budget
  a_ = start(*hostA_, R"({"io_threads":1,"max_inflight_answer_bytes":67108864})");
  auto files = pki_.issueNode("node-b");
  HoldingPeer peer(files, 30000000); // two fit in 64 MiB, a third does not
  const std::string over = "answers from peers in flight at mesh.channel.max_inflight_answer_bytes";
  auto heldBy = [&](int n) {
    for (int i = 0; i < 250 && peer.answered() < n; ++i)
      std::this_thread::sleep_for(20ms);
    std::this_thread::sleep_for(100ms); // read and counted by node-a
    return peer.answered() >= n;
  };
  {
    Pending first, second, third;
    ASSERT_EQ(send(first, peer.port(), "/a", "", 2000), RIVET_OK);
    ASSERT_EQ(send(second, peer.port(), "/b", "", 2000), RIVET_OK);
    ASSERT_TRUE(heldBy(2));
    ASSERT_EQ(send(third, peer.port(), "/c", "", 2000), RIVET_OK);
    ASSERT_TRUE(third.wait(1500ms)); // at once, not at its deadline
    EXPECT_EQ(third.answer().result, RIVET_NET_DELIVERED_FAILED);
    EXPECT_PRED2(contains, third.answer().error, over);
    EXPECT_PRED2(contains, third.answer().error, "(64 MiB)");
    Answer blocking = sendBlocking(peer.port(), "/d", 1500);
    EXPECT_EQ(blocking.result, RIVET_NET_DELIVERED_FAILED);
    EXPECT_PRED2(contains, blocking.error, over);
    ASSERT_TRUE(first.wait(5s));
    ASSERT_TRUE(second.wait(5s));
    EXPECT_EQ(first.answer().result, RIVET_NET_TIMEOUT) << first.answer().error;
    EXPECT_EQ(second.answer().result, RIVET_NET_TIMEOUT) << second.answer().error;
  }
  // Given back: the blocking client's answer and one on the loop fit again, and together they
  // leave no room for a third.
  const int before = peer.answered();
  Answer held;
  std::thread blocking([&] { held = sendBlocking(peer.port(), "/e", 2000); });
  Pending onLoop, third;
  ASSERT_EQ(send(onLoop, peer.port(), "/f", "", 2000), RIVET_OK);
  ASSERT_TRUE(heldBy(before + 2));
  ASSERT_EQ(send(third, peer.port(), "/g", "", 2000), RIVET_OK);
  ASSERT_TRUE(third.wait(1500ms));
  EXPECT_PRED2(contains, third.answer().error, over);
  blocking.join();
  ASSERT_TRUE(onLoop.wait(5s));
  EXPECT_EQ(held.result, RIVET_NET_TIMEOUT) << held.error;
  EXPECT_EQ(onLoop.answer().result, RIVET_NET_TIMEOUT) << onLoop.answer().error;
}

TEST_F(TransportForward, StopEndsARequestUnderWayAndRefusesNewOnes) {
  Pending p;
  ASSERT_EQ(send(p, portB_, "/never", "", 60000), RIVET_OK);
  std::this_thread::sleep_for(300ms); // sent, waiting for the answer
  auto before = Clock::now();
  a_->stop();
  ASSERT_TRUE(p.wait(5s));
  EXPECT_EQ(p.answer().result, RIVET_NET_DELIVERED_FAILED) << p.answer().error;
  EXPECT_PRED2(contains, p.answer().error, "abandoned: the transport is stopping");
  EXPECT_LT(Clock::now() - before, 4s);
  Pending late;
  EXPECT_NE(send(late, portB_, "/echo"), RIVET_OK);
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(late.calls(), 0);
}

} // namespace
