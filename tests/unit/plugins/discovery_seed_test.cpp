// The seed discovery plugin, driven through its descriptor by the SDK's fake host. The seed is a
// script answering the plugin's requests. The fake host is not thread-safe, so its logs and
// reports are read only after stop(), once the plugin's sync thread has ended.
#include <rivet/sdk/plugin.hpp>
#include <rivet/sdk/testing/fake_host.hpp>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

using rivet::sdk::testing::FakeHost;
using rivet::sdk::testing::FakeReply;
using rivet::sdk::testing::PluginHarness;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

namespace {

struct SeenRequest {
  std::string host;
  uint32_t port;
  std::string verifyName;
  std::string method;
  std::string path;
  std::string body;
  int64_t timeoutMs;
  Clock::time_point at;
};

// A scripted seed: records every request and answers with `answer(request, index)`.
class ScriptedSeed {
public:
  std::function<FakeReply(const SeenRequest&, size_t)> answer;

  explicit ScriptedSeed(FakeHost& host) {
    host.onRequest = [this](const rivet_peer_request& r) { return serve(r); };
  }

  bool waitForRequests(size_t n, milliseconds timeout = milliseconds(5000)) {
    std::unique_lock<std::mutex> lock(mutex_);
    return served_.wait_for(lock, timeout, [&] { return requests_.size() >= n; });
  }
  std::vector<SeenRequest> requests() {
    std::lock_guard<std::mutex> lock(mutex_);
    return requests_;
  }

private:
  FakeReply serve(const rivet_peer_request& r) {
    SeenRequest seen{FakeHost::text(r.host),
                     r.port,
                     FakeHost::text(r.verify_name),
                     FakeHost::text(r.method),
                     FakeHost::text(r.path),
                     FakeHost::text(r.body),
                     r.timeout_ms,
                     Clock::now()};
    size_t index = 0;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      index = requests_.size();
    }
    FakeReply reply = answer ? answer(seen, index) : FakeReply{};
    {
      std::lock_guard<std::mutex> lock(mutex_);
      requests_.push_back(seen);
    }
    served_.notify_all();
    return reply;
  }

  std::mutex mutex_;
  std::condition_variable served_;
  std::vector<SeenRequest> requests_;
};

std::string settings(int64_t intervalMs, const std::string& extra = "") {
  return R"({"mode":"seed","node_name":"node-a","port":3000,"seed_host":"seed.example",)"
         R"("heartbeat_interval_ms":)" +
         std::to_string(intervalMs) + extra + "}";
}

std::string record(const std::string& name, int64_t lastSeen,
                   const std::string& host = "10.0.0.9") {
  return R"({"id":")" + name + R"(","name":")" + name + R"(","agents":["echo"],"host":")" + host +
         R"(","port":3000,"status":"online","lastSeen":)" + std::to_string(lastSeen) + "}";
}

FakeReply meshAnswer(const std::string& records) {
  return FakeReply{RIVET_NET_OK, 200, "[" + records + "]", ""};
}
FakeReply refused(const std::string& why = "connection refused") {
  return FakeReply{RIVET_NET_NOT_DELIVERED, 0, "", why};
}

// Drives the plugin through its descriptor as rivetd does. PluginHarness keeps the instance to
// itself, and a discovery plugin also needs self_changed(instance, ...), so this owns it.
class SeedPlugin {
public:
  explicit SeedPlugin(FakeHost& host) : d_(rivet_plugin_entry(RIVET_ABI_MAJOR, RIVET_ABI_MINOR)) {
    std::string error;
    rivet_writer w = rivet::sdk::stringWriter(error);
    if (d_->create(host.api(), &instance_, &w) != RIVET_OK)
      throw std::runtime_error(error);
  }
  ~SeedPlugin() {
    stop();
    d_->destroy(instance_);
  }
  SeedPlugin(const SeedPlugin&) = delete;
  SeedPlugin& operator=(const SeedPlugin&) = delete;

  void start() {
    std::string error;
    rivet_writer w = rivet::sdk::stringWriter(error);
    if (d_->start(instance_, &w) != RIVET_OK)
      throw std::runtime_error(error);
    started_ = true;
  }
  void stop() {
    if (started_)
      d_->stop(instance_);
    started_ = false;
  }
  void selfChanged(const std::string& json) {
    static_cast<const rivet_discovery_ops*>(d_->ops)->self_changed(instance_,
                                                                   rivet::sdk::str(json));
  }

private:
  const rivet_plugin_descriptor* d_;
  void* instance_ = nullptr;
  bool started_ = false;
};

size_t countLogs(const FakeHost& host, rivet_log_level level, const std::string& text) {
  size_t n = 0;
  for (const auto& line : host.logs)
    n += line.level == level && line.message.find(text) != std::string::npos ? 1 : 0;
  return n;
}

std::string allLogs(const FakeHost& host) {
  std::string all;
  for (const auto& line : host.logs)
    all += std::to_string(line.level) + " " + line.message + "\n";
  return all;
}

} // namespace

TEST(SeedDiscovery, DeclaresADiscoveryPluginNamedDiscoverySeed) {
  FakeHost host;
  PluginHarness plugin(&rivet_plugin_entry, host);
  EXPECT_STREQ(plugin.descriptor().name, "discovery-seed");
  EXPECT_EQ(plugin.descriptor().kind, static_cast<uint32_t>(RIVET_KIND_DISCOVERY));
}

TEST(SeedDiscovery, RefusesWithoutSeedHostNamingTheKey) {
  for (const std::string config :
       {R"({"mode":"seed","node_name":"node-a","port":3000})",
        R"({"mode":"seed","node_name":"node-a","port":3000,"seed_host":"","seed_port":0})"}) {
    FakeHost host("discovery-seed", config);
    PluginHarness plugin(&rivet_plugin_entry, host);
    try {
      plugin.create();
      ADD_FAILURE() << "create() accepted settings without seed_host: " << config;
    } catch (const std::runtime_error& e) {
      EXPECT_NE(std::string(e.what()).find("mesh.discovery.seed_host"), std::string::npos)
          << e.what();
    }
  }
}

TEST(SeedDiscovery, PullsTheMeshFromTheSeedVerifyingSeedHostItself) {
  FakeHost host("discovery-seed", settings(60000, R"(,"seed_port":3100)"));
  ScriptedSeed seed(host);
  seed.answer = [](const SeenRequest&, size_t) { return meshAnswer(""); };
  SeedPlugin plugin(host);
  plugin.start();
  ASSERT_TRUE(seed.waitForRequests(1));
  plugin.stop();

  const auto requests = seed.requests();
  ASSERT_EQ(requests.size(), 1u) << "no join before this node's record is known";
  EXPECT_EQ(requests[0].method, "GET");
  EXPECT_EQ(requests[0].path, "/api/mesh");
  EXPECT_EQ(requests[0].host, "seed.example");
  EXPECT_EQ(requests[0].port, 3100u);
  EXPECT_EQ(requests[0].verifyName, "seed.example");
  EXPECT_GT(requests[0].timeoutMs, 0);
  EXPECT_LE(requests[0].timeoutMs, 5000);
  EXPECT_TRUE(host.peersSeen.empty()) << "an empty mesh gives no hints";
}

TEST(SeedDiscovery, RequestDeadlineIsNeverLongerThanTheInterval) {
  FakeHost host("discovery-seed", settings(800));
  ScriptedSeed seed(host);
  SeedPlugin plugin(host);
  plugin.start();
  ASSERT_TRUE(seed.waitForRequests(1));
  plugin.stop();
  EXPECT_LE(seed.requests()[0].timeoutMs, 800);
}

TEST(SeedDiscovery, SeedPortDefaultsToThisNodesChannelPort) {
  for (const std::string seedPort : {"", R"(,"seed_port":0)"}) {
    FakeHost host("discovery-seed", R"({"mode":"seed","node_name":"node-a","port":3005,)"
                                    R"("seed_host":"10.0.0.1","heartbeat_interval_ms":60000)" +
                                        seedPort + "}");
    ScriptedSeed seed(host);
    SeedPlugin plugin(host);
    plugin.start();
    ASSERT_TRUE(seed.waitForRequests(1));
    plugin.stop();
    EXPECT_EQ(seed.requests()[0].port, 3005u) << seedPort;
    EXPECT_EQ(seed.requests()[0].verifyName, "10.0.0.1") << "an IP seed is verified by IP SAN";
  }
}

TEST(SeedDiscovery, ReportsSeedRecordsAsOneHintListWithoutItselfNewerDuplicateWinning) {
  FakeHost host("discovery-seed", settings(60000));
  ScriptedSeed seed(host);
  const std::string withExtras = R"({"id":"node-c","name":"node-c","host":"10.0.0.3","port":3000,)"
                                 R"("sshUser":"ops","metadata":{"denPort":8080},"lastSeen":500})";
  seed.answer = [&](const SeenRequest&, size_t) {
    return meshAnswer(record("node-a", 900) + "," + record("node-b", 100, "old.b") + "," +
                      withExtras + "," + record("node-b", 300, "new.b") + "," +
                      record("node-c", 400, "older.c") + "," + R"({"name":"no-host"})");
  };
  SeedPlugin plugin(host);
  plugin.start();
  ASSERT_TRUE(seed.waitForRequests(1));
  plugin.stop();

  ASSERT_EQ(host.peersSeen.size(), 1u) << "one peers_seen call per sync";
  Poco::JSON::Parser parser;
  const auto hints = parser.parse(host.peersSeen[0]).extract<Poco::JSON::Array::Ptr>();
  ASSERT_EQ(hints->size(), 2u) << host.peersSeen[0];
  const auto b = hints->getObject(0);
  const auto c = hints->getObject(1);
  EXPECT_EQ(b->getValue<std::string>("name"), "node-b");
  EXPECT_EQ(b->getValue<std::string>("host"), "new.b") << "the newer lastSeen wins";
  EXPECT_EQ(b->getValue<int64_t>("lastSeen"), 300);
  EXPECT_EQ(c->getValue<std::string>("host"), "10.0.0.3") << "the newer lastSeen wins";
  EXPECT_EQ(c->getValue<std::string>("sshUser"), "ops") << "the whole record is the hint";
  EXPECT_EQ(c->getObject("metadata")->getValue<int>("denPort"), 8080);
  EXPECT_TRUE(host.peersLost.empty()) << "seed discovery never reports a peer lost";
  EXPECT_EQ(countLogs(host, RIVET_LOG_INFO, "Synced 2 nodes from seed seed.example:3000"), 1u)
      << allLogs(host);
}

TEST(SeedDiscovery, JoinsWithTheRecordGivenToSelfChanged) {
  FakeHost host("discovery-seed", settings(60000));
  ScriptedSeed seed(host);
  seed.answer = [](const SeenRequest& r, size_t) {
    return r.method == "GET" ? meshAnswer("") : FakeReply{RIVET_NET_OK, 200, "{}", ""};
  };
  SeedPlugin plugin(host);
  plugin.start();
  ASSERT_TRUE(seed.waitForRequests(1));
  const std::string self = record("node-a", 1234, "10.0.0.1");
  plugin.selfChanged(self);
  ASSERT_TRUE(seed.waitForRequests(2)) << "a new own record is announced at once";
  plugin.stop();

  const auto requests = seed.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[1].method, "POST");
  EXPECT_EQ(requests[1].path, "/api/mesh/join");
  EXPECT_EQ(requests[1].body, self);
  EXPECT_EQ(requests[1].host, "seed.example");
  EXPECT_EQ(requests[1].verifyName, "seed.example");
}

TEST(SeedDiscovery, EverySyncJoinsWithTheLatestRecord) {
  FakeHost host("discovery-seed", settings(100));
  ScriptedSeed seed(host);
  seed.answer = [](const SeenRequest& r, size_t) {
    return r.method == "GET" ? meshAnswer(record("node-b", 1))
                             : FakeReply{RIVET_NET_OK, 200, "{}", ""};
  };
  SeedPlugin plugin(host);
  plugin.start();
  plugin.selfChanged(record("node-a", 1));
  plugin.selfChanged(record("node-a", 2));
  ASSERT_TRUE(seed.waitForRequests(8));
  plugin.stop();

  std::vector<std::string> joins;
  for (const auto& r : seed.requests()) {
    if (r.method == "POST")
      joins.push_back(r.body);
  }
  ASSERT_GE(joins.size(), 2u) << "each sync announces this node again, keeping it fresh";
  EXPECT_EQ(joins[joins.size() - 1], record("node-a", 2));
  EXPECT_EQ(joins[joins.size() - 2], record("node-a", 2));
}

TEST(SeedDiscovery, LogsARefusedJoinWithTheSeedsErrorText) {
  FakeHost host("discovery-seed", settings(60000));
  ScriptedSeed seed(host);
  seed.answer = [](const SeenRequest& r, size_t) {
    return r.method == "GET"
               ? meshAnswer("")
               : FakeReply{RIVET_NET_OK, 403,
                           R"({"error":"Certificate CN node-x may not register node node-a"})", ""};
  };
  SeedPlugin plugin(host);
  plugin.start();
  ASSERT_TRUE(seed.waitForRequests(1));
  plugin.selfChanged(record("node-a", 1));
  ASSERT_TRUE(seed.waitForRequests(2));
  plugin.stop();
  EXPECT_EQ(countLogs(host, RIVET_LOG_WARN, "Certificate CN node-x may not register node node-a"),
            1u)
      << allLogs(host);
}

TEST(SeedDiscovery, RetriesAnUnreachableSeedWithGrowingGaps) {
  FakeHost host("discovery-seed", settings(4000));
  ScriptedSeed seed(host);
  seed.answer = [](const SeenRequest&, size_t) { return refused(); };
  SeedPlugin plugin(host);
  plugin.start();
  ASSERT_TRUE(seed.waitForRequests(4, milliseconds(6000)));
  plugin.stop();

  const auto r = seed.requests();
  auto gap = [&](size_t i) {
    return std::chrono::duration_cast<milliseconds>(r[i].at - r[i - 1].at).count();
  };
  EXPECT_GE(gap(1), 200) << "a failed sync is not retried at once";
  EXPECT_GT(gap(2), gap(1) * 3 / 2) << "gaps grow: " << gap(1) << ", " << gap(2);
  EXPECT_GT(gap(3), gap(2) * 3 / 2) << "gaps grow: " << gap(2) << ", " << gap(3);
  size_t inFirstSecond = 0;
  for (const auto& request : r)
    inFirstSecond += request.at - r[0].at < milliseconds(1000) ? 1 : 0;
  EXPECT_LE(inFirstSecond, 3u) << "no hammering of a seed that is down";
}

TEST(SeedDiscovery, BackoffNeverWaitsLongerThanATinyInterval) {
  FakeHost host("discovery-seed", settings(50));
  ScriptedSeed seed(host);
  seed.answer = [](const SeenRequest&, size_t) { return refused(); };
  SeedPlugin plugin(host);
  plugin.start();
  std::this_thread::sleep_for(milliseconds(1000));
  plugin.stop();
  const size_t n = seed.requests().size();
  EXPECT_GE(n, 8u) << "retries are capped at the interval";
  EXPECT_LE(n, 25u) << "but never come faster than the interval";
}

TEST(SeedDiscovery, WarnsOncePerDistinctFailureReasonNotPerRetry) {
  FakeHost host("discovery-seed", settings(20));
  ScriptedSeed seed(host);
  seed.answer = [](const SeenRequest&, size_t i) {
    if (i < 4)
      return refused("connection refused");
    if (i < 6)
      return FakeReply{RIVET_NET_TIMEOUT, 0, "", ""};
    return FakeReply{RIVET_NET_OK, 503, R"({"error":"Node busy"})", ""};
  };
  SeedPlugin plugin(host);
  plugin.start();
  ASSERT_TRUE(seed.waitForRequests(9));
  plugin.stop();
  EXPECT_EQ(
      countLogs(host, RIVET_LOG_WARN, "Seed sync failed (seed.example:3000): connection refused"),
      1u)
      << allLogs(host);
  EXPECT_EQ(countLogs(host, RIVET_LOG_WARN, "Seed sync failed (seed.example:3000): timed out"), 1u)
      << allLogs(host);
  EXPECT_EQ(
      countLogs(host, RIVET_LOG_WARN, "Seed sync failed (seed.example:3000): HTTP 503: Node busy"),
      1u)
      << allLogs(host);
  EXPECT_EQ(countLogs(host, RIVET_LOG_WARN, "Seed sync failed"), 3u) << allLogs(host);
}

TEST(SeedDiscovery, LogsSyncedOnFirstSuccessAndAfterEachRecovery) {
  FakeHost host("discovery-seed", settings(20));
  ScriptedSeed seed(host);
  // up, down, down, up, up, up, down, up, up...
  seed.answer = [](const SeenRequest&, size_t i) {
    return i == 1 || i == 2 || i == 6 ? refused() : meshAnswer(record("node-b", 1));
  };
  SeedPlugin plugin(host);
  plugin.start();
  ASSERT_TRUE(seed.waitForRequests(9));
  plugin.stop();
  EXPECT_EQ(countLogs(host, RIVET_LOG_INFO, "Synced 1 nodes from seed seed.example:3000"), 3u)
      << allLogs(host);
  EXPECT_EQ(
      countLogs(host, RIVET_LOG_WARN, "Seed sync failed (seed.example:3000): connection refused"),
      2u)
      << "once per outage: " << allLogs(host);
}

TEST(SeedDiscovery, AnAnswerThatIsNotANodeListIsASyncFailure) {
  FakeHost host("discovery-seed", settings(60000));
  ScriptedSeed seed(host);
  seed.answer = [](const SeenRequest&, size_t) {
    return FakeReply{RIVET_NET_OK, 200, R"({"nodes":{}})", ""};
  };
  SeedPlugin plugin(host);
  plugin.start();
  ASSERT_TRUE(seed.waitForRequests(1));
  plugin.stop();
  EXPECT_TRUE(host.peersSeen.empty());
  EXPECT_EQ(countLogs(host, RIVET_LOG_WARN, "not a JSON array"), 1u) << allLogs(host);
}

TEST(SeedDiscovery, StopReturnsPromptlyDuringABackoffWait) {
  FakeHost host("discovery-seed", settings(60000));
  ScriptedSeed seed(host);
  seed.answer = [](const SeenRequest&, size_t) { return refused(); };
  SeedPlugin plugin(host);
  plugin.start();
  ASSERT_TRUE(seed.waitForRequests(3)); // now waiting 1 s before the fourth attempt
  const auto before = Clock::now();
  plugin.stop();
  EXPECT_LT(Clock::now() - before, milliseconds(200));
}

TEST(SeedDiscovery, StopReturnsPromptlyBetweenSyncs) {
  FakeHost host("discovery-seed", settings(60000));
  ScriptedSeed seed(host);
  seed.answer = [](const SeenRequest&, size_t) { return meshAnswer(""); };
  SeedPlugin plugin(host);
  plugin.start();
  ASSERT_TRUE(seed.waitForRequests(1));
  const auto before = Clock::now();
  plugin.stop();
  EXPECT_LT(Clock::now() - before, milliseconds(200));
  EXPECT_EQ(seed.requests().size(), 1u);
}
