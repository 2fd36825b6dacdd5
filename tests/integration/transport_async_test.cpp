// The transport's side of ABI 1.2 (abi.h rivet_async_responder), with the real transport-mtls
// plugin loaded in this process and a host of the test's own: answers that come later from
// another thread, streamed answers (chunked), and an I/O thread that a slow answer never holds.
#include "MeshTestKit.hpp"
#include "StubHostServices.hpp"

#include "plugin/PluginInstance.hpp"
#include "plugin/PluginLoader.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>
#include <vector>

using namespace rivet;
using namespace rivet::test;
using namespace std::chrono_literals;

namespace {

std::string view(rivet_str s) {
  return std::string(s.data ? s.data : "", s.len);
}

// Answers /late 300 ms later from its own thread, streams /stream in three parts from its own
// thread, and everything else at once.
class AsyncHost : public StubHostServices {
public:
  AsyncHost(std::string nodeInfo) : nodeInfo_(std::move(nodeInfo)) {}
  ~AsyncHost() override { join(); }
  std::string nodeInfoJson() const override { return nodeInfo_; }

  void dispatchAsync(const rivet_inbound_request& request,
                     const rivet_async_responder& responder) override {
    std::string path = view(request.path);
    std::string body = view(request.body);
    rivet_async_responder r = responder;
    if (path == "/late") {
      spawn([r, body] {
        std::this_thread::sleep_for(300ms);
        std::string out = "{\"late\":true,\"echo\":\"" + body + "\"}";
        r.respond(r.ctx, 200, nullptr, 0, {out.data(), out.size()});
      });
    } else if (path == "/read-late") { // reads the request itself, after the client left
      rivet_str bodyView = request.body, cnView = request.peer_cn;
      spawn([r, bodyView, cnView, this] {
        std::this_thread::sleep_for(300ms);
        std::string seen = view(bodyView) + " from " + view(cnView);
        {
          std::lock_guard<std::mutex> lock(seenMutex_);
          seenLate_ = seen;
        }
        r.respond(r.ctx, 200, nullptr, 0, {seen.data(), seen.size()});
      });
    } else if (path == "/stream") {
      spawn([r, this] {
        rivet_header type{{"Content-Type", 12}, {"text/event-stream", 17}};
        int gone = r.begin(r.ctx, 200, &type, 1);
        for (int i = 1; i <= 3 && !gone; ++i) {
          std::this_thread::sleep_for(50ms);
          std::string event = "data: part " + std::to_string(i) + "\n\n";
          gone = r.chunk(r.ctx, {event.data(), event.size()});
        }
        streamSawGone_ = gone != 0;
        r.end(r.ctx);
      });
    } else {
      static const char ok[] = R"({"ok":true})";
      r.respond(r.ctx, 200, nullptr, 0, {ok, sizeof ok - 1});
    }
  }

  void join() {
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto& t : threads_)
      if (t.joinable())
        t.join();
    threads_.clear();
  }
  std::atomic<bool> streamSawGone_{false};
  std::string seenLate() {
    std::lock_guard<std::mutex> lock(seenMutex_);
    return seenLate_;
  }

private:
  template <class F> void spawn(F f) {
    std::lock_guard<std::mutex> lock(mutex_);
    threads_.emplace_back(std::move(f));
  }
  std::string nodeInfo_;
  std::mutex seenMutex_;
  std::string seenLate_;
  std::mutex mutex_;
  std::vector<std::thread> threads_;
};

class TransportAsync : public ::testing::Test {
protected:
  void SetUp() override {
    auto files = pki_.issueNode("node-a");
    pki_.issueNode("node-b");
    port_ = freePort();
    std::string info = R"({"node_name":"node-a","listen_host":"127.0.0.1","port":)" +
                       std::to_string(port_) + R"(,"version":"test","tls":{"ca_path":")" +
                       pki_.chainPath() + R"(","cert_path":")" + files.certPath +
                       R"(","key_path":")" + files.keyPath + R"(","crl_path":""}})";
    host_ = std::make_unique<AsyncHost>(info);
    auto plugin = plugin::loadPlugin(std::string(RIVET_PLUGIN_DIR) + "/transport-mtls.so");
    transport_ = std::make_unique<plugin::PluginInstance>(plugin, *host_, "transport-mtls",
                                                          "AgentChannel", "{\"io_threads\":1}");
    transport_->create();
    transport_->start();
  }
  void TearDown() override {
    host_->join(); // every answer is given before the transport is destroyed (abi.h)
    transport_.reset();
  }
  TlsClientOptions client() const { return clientOptions(pki_, "node-b", "node-a.mesh"); }

  TestPki pki_;
  int port_ = 0;
  std::unique_ptr<AsyncHost> host_;
  std::unique_ptr<plugin::PluginInstance> transport_;
};

TEST_F(TransportAsync, AnswerFromAnotherThreadLaterReachesTheClientAndKeepsTheConnection) {
  TestTlsClient c(client());
  ASSERT_TRUE(c.connect(port_)) << c.error();
  HttpResponse r;
  ASSERT_TRUE(c.request("POST", "/late", "hello", r)) << c.error();
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, R"({"late":true,"echo":"hello"})");
  ASSERT_TRUE(c.get("/ping", r)) << c.error(); // same connection
  EXPECT_EQ(r.body, R"({"ok":true})");
}

TEST_F(TransportAsync, SlowAnswerDoesNotHoldTheOneIoThread) {
  TestTlsClient slow(client());
  ASSERT_TRUE(slow.connect(port_)) << slow.error();
  ASSERT_TRUE(slow.sendRaw("GET /late HTTP/1.1\r\nHost: node-a.mesh\r\n\r\n"));
  std::this_thread::sleep_for(50ms); // the slow request is dispatched
  auto started = std::chrono::steady_clock::now();
  TestTlsClient quick(client());
  HttpResponse r;
  ASSERT_TRUE(quick.connect(port_) && quick.get("/ping", r)) << quick.error();
  auto took = std::chrono::steady_clock::now() - started;
  EXPECT_EQ(r.status, 200);
  EXPECT_LT(took, 250ms) << "the ping waited for the slow answer on the only I/O thread";
  ASSERT_TRUE(slow.readResponse(r)) << slow.error();
  EXPECT_EQ(r.status, 200);
}

TEST_F(TransportAsync, StreamedAnswerArrivesChunkedInPartsAndEnds) {
  TestTlsClient c(client());
  ASSERT_TRUE(c.connect(port_)) << c.error();
  ASSERT_TRUE(c.sendRaw("GET /stream HTTP/1.1\r\nHost: node-a.mesh\r\nConnection: close\r\n\r\n"));
  std::string raw = c.readUntilClose(5s);
  EXPECT_NE(raw.find("HTTP/1.1 200 OK\r\n"), std::string::npos) << raw;
  EXPECT_NE(raw.find("Transfer-Encoding: chunked\r\n"), std::string::npos) << raw;
  EXPECT_NE(raw.find("Content-Type: text/event-stream\r\n"), std::string::npos) << raw;
  EXPECT_EQ(raw.find("Content-Length"), std::string::npos) << raw;
  EXPECT_NE(raw.find("e\r\ndata: part 1\n\n\r\n"), std::string::npos) << raw;
  EXPECT_NE(raw.find("e\r\ndata: part 3\n\n\r\n0\r\n\r\n"), std::string::npos) << raw;
  EXPECT_FALSE(host_->streamSawGone_);
}

TEST_F(TransportAsync, StreamToAClientThatLeftTellsTheHostToStop) {
  {
    TestTlsClient c(client());
    ASSERT_TRUE(c.connect(port_)) << c.error();
    ASSERT_TRUE(c.sendRaw("GET /stream HTTP/1.1\r\nHost: node-a.mesh\r\n\r\n"));
    std::this_thread::sleep_for(20ms);
  } // closed before the first part
  host_->join();
  EXPECT_TRUE(host_->streamSawGone_) << "chunk() kept accepting data for a closed connection";
}

TEST_F(TransportAsync, RequestStaysReadableForTheHostAfterTheClientLeft) {
  {
    TestTlsClient c(client());
    ASSERT_TRUE(c.connect(port_)) << c.error();
    ASSERT_TRUE(c.sendRaw("POST /read-late HTTP/1.1\r\nHost: node-a.mesh\r\n"
                          "Content-Length: 12\r\n\r\nhello, later"));
    std::this_thread::sleep_for(50ms);
  } // gone before the host reads the request
  host_->join();
  EXPECT_EQ(host_->seenLate(), "hello, later from node-b");
  TestTlsClient next(client());
  HttpResponse r;
  ASSERT_TRUE(next.connect(port_) && next.get("/ping", r)) << next.error();
  EXPECT_EQ(r.status, 200);
}

TEST_F(TransportAsync, AnswerAfterStopIsDroppedSafely) {
  TestTlsClient c(client());
  ASSERT_TRUE(c.connect(port_)) << c.error();
  ASSERT_TRUE(c.sendRaw("GET /late HTTP/1.1\r\nHost: node-a.mesh\r\n\r\n"));
  std::this_thread::sleep_for(50ms);
  transport_->stop(); // waits for the answer (within its grace), then closes
  HttpResponse r;
  EXPECT_TRUE(c.readResponse(r)) << c.error();
  EXPECT_EQ(r.status, 200);
}

} // namespace
