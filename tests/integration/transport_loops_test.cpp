// Which I/O loop serves a connection (docs/transport.md "Loads of the I/O loops"), with the real
// transport-mtls plugin loaded in this process: at rest every connection goes to one loop, and
// keep-alive connections handed from loop to loop between requests keep their TLS session,
// their order of answers and their pipelined bytes, including while the node stops.
#include "MeshTestKit.hpp"
#include "StubHostServices.hpp"

#include "plugin/PluginInstance.hpp"
#include "plugin/PluginLoader.hpp"

#include <Poco/JSON/Parser.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <iostream>
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

// Echoes the body at once, or for /late 20 ms later from a thread of its own.
class EchoHost : public StubHostServices {
public:
  explicit EchoHost(std::string nodeInfo) : nodeInfo_(std::move(nodeInfo)) {}
  ~EchoHost() override { join(); }
  std::string nodeInfoJson() const override { return nodeInfo_; }

  void dispatchAsync(const rivet_inbound_request& request,
                     const rivet_async_responder& responder) override {
    std::string out = "echo:" + view(request.body);
    rivet_async_responder r = responder;
    if (view(request.path) == "/late") {
      std::lock_guard<std::mutex> lock(mutex_);
      threads_.emplace_back([r, out] {
        std::this_thread::sleep_for(20ms);
        r.respond(r.ctx, 200, nullptr, 0, {out.data(), out.size()});
      });
      return;
    }
    r.respond(r.ctx, 200, nullptr, 0, {out.data(), out.size()});
  }
  void join() {
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto& t : threads_)
      t.join();
    threads_.clear();
  }

private:
  std::string nodeInfo_;
  std::mutex mutex_;
  std::vector<std::thread> threads_;
};

class TransportLoops : public ::testing::Test {
protected:
  void SetUp() override {
    files_ = pki_.issueNode("node-a");
    pki_.issueNode("node-b");
  }
  void TearDown() override {
    if (host_)
      host_->join();
    transport_.reset();
  }
  void startWith(const std::string& settings) {
    port_ = freePort();
    std::string info = R"({"node_name":"node-a","listen_host":"127.0.0.1","port":)" +
                       std::to_string(port_) + R"(,"version":"test","tls":{"ca_path":")" +
                       pki_.chainPath() + R"(","cert_path":")" + files_.certPath +
                       R"(","key_path":")" + files_.keyPath + R"(","crl_path":""}})";
    host_ = std::make_unique<EchoHost>(info);
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
  int64_t onLoop(const std::string& index) {
    return metrics()->getObject("io_loop_connections")->getValue<int64_t>(index);
  }
  TlsClientOptions client() const { return clientOptions(pki_, "node-b", "node-a.mesh"); }

  TestPki pki_;
  ca::IssuedFiles files_;
  int port_ = 0;
  std::unique_ptr<EchoHost> host_;
  std::unique_ptr<plugin::PluginInstance> transport_;
};

TEST_F(TransportLoops, AtRestEveryConnectionGoesToTheFirstLoop) {
  startWith(R"({"io_threads":2})");
  std::vector<std::unique_ptr<TestTlsClient>> clients;
  for (int i = 0; i < 6; ++i) {
    clients.push_back(std::make_unique<TestTlsClient>(client()));
    HttpResponse r;
    ASSERT_TRUE(clients.back()->connect(port_) && clients.back()->get("/ping", r))
        << clients.back()->error();
    EXPECT_EQ(r.status, 200);
  }
  auto m = metrics();
  EXPECT_EQ(m->getValue<int64_t>("io_loops_active"), 1);
  EXPECT_EQ(onLoop("0"), 6);
  EXPECT_EQ(onLoop("1"), 0);
  clients.clear();
  for (int i = 0; i < 100 && onLoop("0") > 0; ++i)
    std::this_thread::sleep_for(10ms);
  EXPECT_EQ(onLoop("0"), 0) << "closed connections are not counted";
}

TEST_F(TransportLoops, ConnectionsKeepTheirAnswersInOrderWhileTheyMoveBetweenLoops) {
  // Every 15 ms the loops in use switch between one and both: idle connections keep moving.
  startWith(R"({"io_threads":2,"loop_rotate_ms":15})");
  constexpr int kClients = 6, kRequests = 120;
  std::atomic<int> wrong{0};
  std::vector<std::string> errors(kClients);
  std::vector<std::thread> threads;
  for (int c = 0; c < kClients; ++c)
    threads.emplace_back([&, c] {
      TestTlsClient t(client());
      if (!t.connect(port_)) {
        errors[c] = t.error();
        return;
      }
      for (int i = 0; i < kRequests; ++i) {
        std::string body = std::to_string(c) + "-" + std::to_string(i);
        HttpResponse r;
        // Some answers come from another thread; some requests go two at a time (pipelined),
        // the second maybe still unread while the connection moves.
        if (i % 10 == 3) {
          std::string second = body + "b";
          std::string raw = "POST /echo HTTP/1.1\r\nHost: node-a.mesh\r\nContent-Length: " +
                            std::to_string(body.size()) + "\r\n\r\n" + body +
                            "POST /late HTTP/1.1\r\nHost: node-a.mesh\r\nContent-Length: " +
                            std::to_string(second.size()) + "\r\n\r\n" + second;
          HttpResponse r2;
          if (!t.sendRaw(raw) || !t.readResponse(r) || !t.readResponse(r2)) {
            errors[c] = t.error();
            return;
          }
          if (r.body != "echo:" + body || r2.body != "echo:" + second)
            ++wrong;
        } else {
          if (!t.request("POST", i % 7 == 0 ? "/late" : "/echo", body, r)) {
            errors[c] = "request " + std::to_string(i) + ": " + t.error();
            return;
          }
          if (r.status != 200 || r.body != "echo:" + body)
            ++wrong;
        }
        if (i % 4 == 0)
          std::this_thread::sleep_for(std::chrono::milliseconds(1 + (c + i) % 7));
      }
    });
  for (auto& t : threads)
    t.join();
  for (int c = 0; c < kClients; ++c)
    EXPECT_EQ(errors[c], "") << "client " << c;
  EXPECT_EQ(wrong.load(), 0);
  auto m = metrics();
  EXPECT_GT(m->getValue<int64_t>("io_loop_moves"), 10) << "the connections did not move";
  std::cout << "moves: " << m->getValue<int64_t>("io_loop_moves") << "\n";
  EXPECT_EQ(m->getValue<int64_t>("connections_accepted"), kClients) << "a client had to reconnect";
}

TEST_F(TransportLoops, MovedConnectionsStillMeetTheirIdleDeadline) {
  // A connection moves as it goes idle after a request: the new loop keeps its deadline.
  startWith(R"({"io_threads":2,"loop_rotate_ms":15,"idle_timeout_ms":300})");
  constexpr int kClients = 4;
  std::vector<std::string> errors(kClients);
  std::vector<std::chrono::milliseconds> idleFor(kClients);
  std::vector<std::thread> threads;
  for (int c = 0; c < kClients; ++c)
    threads.emplace_back([&, c] {
      TestTlsClient t(client());
      HttpResponse r;
      if (!t.connect(port_)) {
        errors[c] = t.error();
        return;
      }
      for (int i = 0; i < 12; ++i) {
        if (!t.get("/ping", r)) {
          errors[c] = t.error();
          return;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(8 + 3 * c));
      }
      auto before = std::chrono::steady_clock::now();
      if (!t.waitForClose(3s))
        errors[c] = "an idle connection outlived its deadline";
      idleFor[c] = std::chrono::duration_cast<std::chrono::milliseconds>(
          std::chrono::steady_clock::now() - before);
    });
  for (auto& t : threads)
    t.join();
  EXPECT_GT(metrics()->getValue<int64_t>("io_loop_moves"), 0) << "nothing moved";
  for (int c = 0; c < kClients; ++c) {
    EXPECT_EQ(errors[c], "") << "client " << c;
    EXPECT_GE(idleFor[c], 200ms) << "client " << c;
    EXPECT_LT(idleFor[c], 1500ms) << "client " << c;
  }
}

TEST_F(TransportLoops, StopWhileConnectionsMoveEndsPromptly) {
  startWith(R"({"io_threads":3,"loop_rotate_ms":10})");
  std::atomic<bool> done{false};
  std::vector<std::thread> threads;
  for (int c = 0; c < 4; ++c)
    threads.emplace_back([&, c] {
      TestTlsClient t(client());
      if (!t.connect(port_))
        return;
      HttpResponse r;
      for (int i = 0; !done && i < 100000; ++i) {
        if (!t.request("POST", "/echo", std::to_string(c), r))
          return; // closed by the stop
        if (i % 3 == 0)
          std::this_thread::sleep_for(1ms);
      }
    });
  std::this_thread::sleep_for(300ms);
  int64_t moves = metrics()->getValue<int64_t>("io_loop_moves");
  auto before = std::chrono::steady_clock::now();
  transport_->stop();
  auto took = std::chrono::steady_clock::now() - before;
  done = true;
  for (auto& t : threads)
    t.join();
  EXPECT_GT(moves, 0);
  EXPECT_LT(took, 3s) << "stop() waited for connections that were between loops";
}

} // namespace
