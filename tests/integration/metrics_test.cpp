// The metrics listener of a real rivetd (docs/operations-metrics.md): /metrics reflects real
// agent channel traffic and refused handshakes, label values from mesh.json are escaped,
// /health turns 503 while the node stops, /ready, and the listener's own defences (loopback
// unless allow_remote, the Host header, oversize requests, read-only, unknown paths).
#include "MeshNode.hpp"

#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>

#include <gtest/gtest.h>

#include <unistd.h>

#include <atomic>
#include <thread>

using namespace rivet::test;

namespace {

// One raw HTTP exchange with 127.0.0.1:port (the listener closes after each answer).
std::string rawHttp(int port, const std::string& request) {
  try {
    Poco::Net::StreamSocket s(Poco::Net::SocketAddress("127.0.0.1", static_cast<uint16_t>(port)));
    s.setReceiveTimeout(Poco::Timespan(5, 0));
    s.sendBytes(request.data(), static_cast<int>(request.size()));
    std::string out;
    char buf[8192];
    for (int n; (n = s.receiveBytes(buf, sizeof buf)) > 0;)
      out.append(buf, static_cast<size_t>(n));
    return out;
  } catch (const std::exception& e) {
    return std::string("ERROR ") + e.what();
  }
}

std::string get(int port, const std::string& path, const std::string& host = "127.0.0.1") {
  return rawHttp(port, "GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\n\r\n");
}

int statusOf(const std::string& response) {
  return response.size() > 12 && response.compare(0, 5, "HTTP/") == 0
             ? std::atoi(response.c_str() + 9)
             : 0;
}

std::string bodyOf(const std::string& response) {
  auto at = response.find("\r\n\r\n");
  return at == std::string::npos ? "" : response.substr(at + 4);
}

std::string metricsSection(int port) {
  return "metrics:\n  enabled: true\n  port: " + std::to_string(port) + "\n";
}

const std::string kEcho = "agents:\n  echo:\n    plugin: echo\n";

} // namespace

TEST(Metrics, ReflectARealMessageAndARefusedHandshake) {
  TestPki pki;
  TempDir storage;
  const int mport = freePort();
  MeshNode node(pki, storage.path(), "node-a", metricsSection(mport) + kEcho);
  ASSERT_TRUE(node.start()) << node.output();
  ASSERT_TRUE(node.process().waitForOutput("Metrics listening on http://127.0.0.1:" +
                                           std::to_string(mport)))
      << node.output();

  TestTlsClient client(clientOptions(pki, "node-a", "node-a.mesh"));
  HttpResponse r;
  ASSERT_TRUE(client.connect(node.port()) &&
              client.request("POST", "/api/message",
                             R"({"fromAgent":"tester","message":"hi","toAgent":"echo"})", r))
      << client.error();
  ASSERT_EQ(r.status, 200) << r.body;

  TlsClientOptions noCert;
  noCert.caPath = pki.chainPath();
  noCert.expectName = "node-a.mesh";
  TestTlsClient anonymous(noCert);
  HttpResponse ignored;
  EXPECT_FALSE(anonymous.connect(node.port()) && anonymous.get("/api/agents", ignored));

  std::string m;
  ASSERT_TRUE(eventually(
      [&] {
        m = bodyOf(get(mport, "/metrics"));
        return contains(m, "rivet_handshake_failures_total{reason=\"no_certificate\"} 1");
      },
      5s))
      << m;
  EXPECT_TRUE(contains(m, "# TYPE rivet_requests_total counter")) << m;
  EXPECT_TRUE(contains(m, "rivet_requests_total{endpoint=\"/api/message\",status=\"200\"} 1")) << m;
  EXPECT_TRUE(contains(m, "rivet_tasks_total{agent=\"echo\",status=\"completed\"} 1")) << m;
  EXPECT_TRUE(contains(m, "rivet_task_duration_seconds_count{agent=\"echo\"} 1")) << m;
  EXPECT_TRUE(contains(m, "rivet_connections_open ")) << m;
  EXPECT_TRUE(contains(m, "rivet_node_heartbeat_age_seconds{node=\"node-a\"} ")) << m;
  EXPECT_TRUE(contains(m, "rivet_certificate_expiry_seconds ")) << m;
  EXPECT_TRUE(contains(m, "rivet_worker_pool_threads{pool=\"agents\"} ")) << m;
  EXPECT_TRUE(contains(m, "rivet_registry_write_seconds_count ")) << m;
  EXPECT_FALSE(contains(m, "rivet_registry_write_seconds_count 0\n")) << m;

  auto ready = get(mport, "/ready");
  EXPECT_EQ(statusOf(ready), 200) << ready;
  auto status = parseObject(bodyOf(get(mport, "/api/status")));
  ASSERT_TRUE(status);
  EXPECT_EQ(status->getObject("node")->getValue<std::string>("name"), "node-a");
  ASSERT_EQ(status->getArray("nodes")->size(), 1u);
}

TEST(Metrics, EscapeHostileNamesFromTheRegistry) {
  TestPki pki;
  TempDir storage;
  const int mport = freePort();
  MeshNode node(pki, storage.path(), "node-a", metricsSection(mport) + kEcho);
  ASSERT_TRUE(node.start()) << node.output();
  // Another program writes a node whose name holds a quote, a backslash and a newline.
  const std::string path = storage.file("mesh.json");
  std::string text = readFile(path);
  auto key = text.find("\"nodes\":");
  ASSERT_NE(key, std::string::npos) << text;
  auto nodes = text.find('{', key);
  ASSERT_NE(nodes, std::string::npos) << text;
  const int64_t now = epochNow() * 1000;
  text.insert(nodes + 1, "\"evil\":{\"id\":\"evil\",\"name\":\"ev\\\"il\\\\x\\ny\",\"agents\":[],"
                         "\"host\":\"127.0.0.1\",\"port\":1,\"status\":\"online\",\"lastSeen\":" +
                             std::to_string(now) + ",\"registeredAt\":" + std::to_string(now) +
                             "},");
  writeFile(path + ".tmp", text);
  std::filesystem::rename(path + ".tmp", path);
  std::string m;
  EXPECT_TRUE(eventually(
      [&] {
        m = bodyOf(get(mport, "/metrics"));
        return contains(m, "rivet_node_heartbeat_age_seconds{node=\"ev\\\"il\\\\x\\ny\"} ");
      },
      5s))
      << m << text;
  auto status = parseObject(bodyOf(get(mport, "/api/status")));
  ASSERT_TRUE(status);
  bool found = false;
  auto list = status->getArray("nodes");
  for (size_t i = 0; i < list->size(); ++i)
    found = found || list->getObject(static_cast<unsigned>(i))->getValue<std::string>("name") ==
                         "ev\"il\\x\ny";
  EXPECT_TRUE(found);
}

// The count of rivet_registry_read_seconds (reads of mesh.json) in a /metrics text; -1 without.
long long registryReads(const std::string& metrics) {
  const std::string key = "\nrivet_registry_read_seconds_count ";
  auto at = metrics.find(key);
  return at == std::string::npos ? -1 : std::atoll(metrics.c_str() + at + key.size());
}

TEST(Metrics, RegistryFiguresComeFromTheNodesViewNotAFileReadPerRequest) {
  TestPki pki;
  TempDir storage;
  const int mport = freePort();
  MeshNode node(pki, storage.path(), "node-a", metricsSection(mport) + kEcho);
  ASSERT_TRUE(node.start()) << node.output();
  ASSERT_TRUE(eventually([&] { return statusOf(get(mport, "/ready")) == 200; }, 5s));
  const long long before = registryReads(bodyOf(get(mport, "/metrics")));
  ASSERT_GE(before, 0);
  const int rounds = 30;
  const auto started = std::chrono::steady_clock::now();
  for (int i = 0; i < rounds; ++i) {
    ASSERT_EQ(statusOf(get(mport, "/ready")), 200);
    auto status = parseObject(bodyOf(get(mport, "/api/status")));
    ASSERT_TRUE(status);
    ASSERT_EQ(status->getArray("nodes")->size(), 1u);
    ASSERT_TRUE(
        contains(get(mport, "/metrics"), "rivet_node_heartbeat_age_seconds{node=\"node-a\"} "));
  }
  const auto seconds =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - started)
          .count() +
      1;
  const long long reads = registryReads(bodyOf(get(mport, "/metrics"))) - before;
  // Reading mesh.json per answer made 3 reads a round. The node's own reads: after each
  // heartbeat (every 250 ms here) and its view's (the change it sees, a recheck each second).
  EXPECT_LE(reads, 4 + 12 * seconds) << reads << " reads of mesh.json in " << seconds << " s";
}

TEST(Metrics, ALegacyRegistryMakesTheNodeUnreadyAndDropsItsFigures) {
  TestPki pki;
  TempDir storage;
  const int mport = freePort();
  MeshNode node(pki, storage.path(), "node-a", metricsSection(mport) + kEcho);
  ASSERT_TRUE(node.start()) << node.output();
  ASSERT_TRUE(eventually([&] { return statusOf(get(mport, "/ready")) == 200; }, 5s));
  // Another program puts back a pre-capabilities file ("nodes" an array).
  const std::string path = storage.file("mesh.json");
  writeFile(path + ".tmp", R"({"nodes":[{"id":"node-a"}]})");
  std::filesystem::rename(path + ".tmp", path);
  std::string ready;
  EXPECT_TRUE(eventually(
      [&] {
        ready = get(mport, "/ready");
        return statusOf(ready) == 503;
      },
      5s))
      << ready;
  EXPECT_TRUE(
      contains(ready, "cannot read the registry: mesh registry " + path + " is in the legacy"))
      << ready;
  EXPECT_FALSE(contains(get(mport, "/metrics"), "rivet_node_heartbeat_age_seconds{"));
  auto status = parseObject(bodyOf(get(mport, "/api/status")));
  ASSERT_TRUE(status);
  EXPECT_EQ(status->getArray("nodes")->size(), 0u);
  EXPECT_EQ(statusOf(get(mport, "/health")), 200); // serving still
}

// A node name and channel port of its own: the instance lock is per name and port, and tests
// run side by side.
std::string ownNode() {
  static int n = 0;
  return "mesh:\n  enabled: false\n  node_name: metrics-" + std::to_string(::getpid()) + "-" +
         std::to_string(++n) + "\n  agent_channel_port: " + std::to_string(freePort()) + "\n";
}

TEST(Metrics, HealthIsServedUntilTheStopEnds) {
  TestPki pki;
  TempDir storage;
  const int mport = freePort();
  MeshNode node(pki, storage.path(), "node-a",
                metricsSection(mport) + "agents:\n" + commandAgent("slow", "sleep 30"));
  ASSERT_TRUE(node.start()) << node.output();
  // Registered comes a moment before the node calls itself started.
  std::string health;
  ASSERT_TRUE(eventually(
      [&] {
        health = get(mport, "/health");
        return statusOf(health) == 200;
      },
      5s))
      << health;
  // A running task holds the stop for several seconds (it is cancelled after 7 s).
  std::thread caller([&] {
    TestTlsClient client(clientOptions(pki, "node-a", "node-a.mesh"));
    HttpResponse r;
    if (client.connect(node.port()))
      client.request("POST", "/api/message",
                     R"({"fromAgent":"tester","message":"x","toAgent":"slow"})", r);
  });
  ASSERT_TRUE(eventually(
      [&] { return contains(bodyOf(get(mport, "/metrics")), "rivet_tasks_in_flight 1"); }, 5s));
  node.process().signal(SIGTERM);
  std::string during;
  EXPECT_TRUE(eventually(
      [&] {
        during = get(mport, "/health");
        return statusOf(during) == 503;
      },
      3s))
      << during;
  EXPECT_TRUE(contains(bodyOf(during), "stopping")) << during;
  EXPECT_EQ(statusOf(get(mport, "/ready")), 503);
  EXPECT_EQ(node.process().wait(20s), 0) << node.output();
  caller.join();
  EXPECT_TRUE(contains(get(mport, "/health"), "ERROR")); // closed once stopped
}

TEST(Metrics, NonLoopbackAddressNeedsAllowRemote) {
  TempDir dir;
  writeFile(dir.file("rivet.yaml"),
            "metrics:\n  enabled: true\n  address: 0.0.0.0\n  port: " + std::to_string(freePort()) +
                "\n" + ownNode() + "plugins:\n  dir: " + pluginDir() + "\n" + kEcho);
  Process p({binPath("rivetd"), "--config", dir.file("rivet.yaml")});
  EXPECT_EQ(p.wait(10s), 78) << p.output();
  EXPECT_TRUE(contains(p.output(), "metrics.address")) << p.output();
  EXPECT_TRUE(contains(p.output(), "allow_remote")) << p.output();

  const int port = freePort();
  writeFile(dir.file("rivet.yaml"), "metrics:\n  enabled: true\n  address: 0.0.0.0\n  "
                                    "allow_remote: true\n  port: " +
                                        std::to_string(port) + "\n" + ownNode() +
                                        "plugins:\n  dir: " + pluginDir() + "\n" + kEcho);
  Process q({binPath("rivetd"), "--config", dir.file("rivet.yaml")});
  ASSERT_TRUE(q.waitForOutput("Metrics listening on http://0.0.0.0:" + std::to_string(port)))
      << q.output();
  EXPECT_TRUE(logged(q.output(), "WARN", "reachable from other machines")) << q.output();
  EXPECT_EQ(q.stop(), 0);
}

TEST(Metrics, ListenerRefusesWhatItDoesNotServe) {
  TempDir dir;
  const int port = freePort();
  writeFile(dir.file("rivet.yaml"), metricsSection(port) + "  allowed_hosts: [Metrics.Example]\n" +
                                        ownNode() + "plugins:\n  dir: " + pluginDir() + "\n" +
                                        kEcho);
  Process p({binPath("rivetd"), "--config", dir.file("rivet.yaml")});
  ASSERT_TRUE(p.waitForOutput("Metrics listening")) << p.output();
  ASSERT_TRUE(p.waitForOutput("ready:")) << p.output();

  EXPECT_EQ(statusOf(get(port, "/metrics")), 200);
  EXPECT_EQ(statusOf(get(port, "/metrics", "localhost:" + std::to_string(port))), 200);
  EXPECT_EQ(statusOf(get(port, "/metrics", "[::1]:9")), 200);
  EXPECT_EQ(statusOf(get(port, "/metrics", "metrics.example")), 200);
  // DNS rebinding: a name that merely resolves to 127.0.0.1.
  auto rebound = get(port, "/metrics", "attacker.example:" + std::to_string(port));
  EXPECT_EQ(statusOf(rebound), 403) << rebound;
  EXPECT_FALSE(contains(rebound, "rivet_")) << rebound;
  EXPECT_EQ(statusOf(rawHttp(port, "GET /metrics HTTP/1.0\r\n\r\n")), 400);
  // Read-only, no body, bounded target.
  EXPECT_EQ(statusOf(rawHttp(port, "POST /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                   "Content-Length: 0\r\n\r\n")),
            405);
  EXPECT_EQ(statusOf(rawHttp(port, "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                   "Content-Length: 5\r\n\r\nhello")),
            413);
  EXPECT_EQ(statusOf(get(port, "/" + std::string(4000, 'a'))), 414);
  auto huge = get(port, "/" + std::string(100000, 'a'));
  EXPECT_TRUE(statusOf(huge) == 400 || statusOf(huge) == 414 || contains(huge, "ERROR")) << huge;
  EXPECT_EQ(statusOf(get(port, "/nope")), 404);
  // The page and its files, with the CSP.
  auto page = get(port, "/");
  EXPECT_EQ(statusOf(page), 200);
  EXPECT_TRUE(contains(page, "Content-Security-Policy: default-src 'self'")) << page;
  EXPECT_TRUE(contains(page, "<script src=\"/status.js\"")) << page;
  EXPECT_EQ(statusOf(get(port, "/status.js")), 200);
  auto health = get(port, "/health");
  EXPECT_EQ(statusOf(health), 200) << health;
  EXPECT_EQ(p.stop(), 0);
}
