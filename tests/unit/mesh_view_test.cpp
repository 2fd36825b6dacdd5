// Delegation's view of the other nodes (app/MeshView, MeshViewRefresher, Membership): the same
// answers as the registry gives, read from a snapshot that real mesh.json writes refresh.
#include "app/FileWatch.hpp"
#include "app/Membership.hpp"
#include "app/MeshView.hpp"
#include "app/MeshViewRefresher.hpp"
#include "registry/RegistryFile.hpp"

#include "registry_fixtures.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <limits>
#include <thread>

using namespace rivet;
using namespace rivet::test;
using app::MeshView;
using app::MeshViewRefresher;
using namespace std::chrono_literals;

namespace {

constexpr int64_t kStale = 90000;

std::vector<std::string> names(const std::vector<delegation::RemoteNode>& nodes) {
  std::vector<std::string> out;
  for (const auto& n : nodes)
    out.push_back(n.name);
  return out;
}

MeshView viewOf(const std::string& text, const std::string& self = "rivet-a") {
  return MeshView(registry::RegistryFile::parse(text, "mesh.json"), self);
}

// A node entry as JSON, for hand-made registries.
std::string entry(const std::string& name, const std::string& agents, const std::string& status,
                  const std::string& lastSeen) {
  return "\"" + name + "\":{\"id\":\"" + name + "\",\"name\":\"" + name + "\",\"host\":\"h-" +
         name + "\",\"port\":4000,\"agents\":" + agents + ",\"status\":\"" + status +
         "\",\"lastSeen\":" + lastSeen + "}";
}

std::string registryOf(const std::vector<std::string>& entries) {
  std::string nodes;
  for (const auto& e : entries)
    nodes += (nodes.empty() ? "" : ",") + e;
  return "{\"version\":1,\"nodes\":{" + nodes + "}}";
}

registry::NodeRecord node(const std::string& name, std::vector<std::string> agents) {
  registry::NodeFields f;
  f.id = f.name = name;
  f.agents = std::move(agents);
  f.host = "192.0.2.1";
  return registry::NodeRecord::fromFields(f);
}

// mesh.json rewritten by another node's process to hold `count` nodes and no other: each hosts
// "shared" and one of ten agents, node-0 seen last (kNow - count), node-<count-1> first.
void writeNodes(const std::string& dir, int count) {
  registry::RegistryStore writer(dir, FakeClock().clock());
  writer.update([&](registry::Registry& r) {
    r.nodesObject().RemoveAllMembers();
    for (int i = 0; i < count; ++i)
      r.put(node("node-" + std::to_string(i), {"shared", "agent-" + std::to_string(i % 10)})
                .setLastSeen(kNow - count + i));
    return true;
  });
}

// A refresher of a temporary storage folder, refreshed once (the file may not exist yet).
struct Refreshed {
  explicit Refreshed(std::chrono::milliseconds interval) : refresher(store, "rivet-a", interval) {
    refresher.refreshNow();
  }
  TempDir dir;
  registry::RegistryStore store{dir.path(), FakeClock().clock()};
  MeshViewRefresher refresher;
};

// Polls `done` until it holds or `limit` passes; true when it held.
template <class F> bool within(std::chrono::milliseconds limit, F done) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline)
      return false;
    std::this_thread::sleep_for(2ms);
  }
  return true;
}

} // namespace

TEST(MeshView, CandidatesAreOtherFreshNodesMostRecentlySeenFirstTiesInFileOrder) {
  MeshView view = viewOf(registryOf({
      entry("old", R"(["opus"])", "online", std::to_string(kNow - 10)),
      entry("tie-1", R"(["opus"])", "online", std::to_string(kNow - 5)),
      entry("tie-2", R"(["opus"])", "online", std::to_string(kNow - 5)),
      entry("down", R"(["opus"])", "offline", std::to_string(kNow)),
      entry("stale", R"(["opus"])", "online", std::to_string(kNow - kStale - 1)),
      entry("rivet-a", R"(["opus"])", "online", std::to_string(kNow)),
      entry("other", R"(["sonnet"])", "online", std::to_string(kNow)),
  }));
  auto nodes = view.candidates("opus", kNow, kStale);
  EXPECT_EQ(names(nodes), (std::vector<std::string>{"tie-1", "tie-2", "old"}));
  ASSERT_EQ(nodes.size(), 3u);
  EXPECT_EQ(nodes[0].host, "h-tie-1");
  EXPECT_EQ(nodes[0].port, 4000);
  EXPECT_EQ(nodes[0].lastSeen, kNow - 5);
  EXPECT_EQ(view.unavailableHosts("opus", kNow, kStale),
            (std::vector<std::string>{"down", "stale"}));
  EXPECT_TRUE(view.candidates("nobody", kNow, kStale).empty());
  EXPECT_TRUE(view.unavailableHosts("nobody", kNow, kStale).empty());
  EXPECT_EQ(view.size(), 6u) << "every other node, fresh or not";
}

TEST(MeshView, FreshnessIsJudgedAtEachCallNotWhenTheViewWasBuilt) {
  MeshView view = viewOf(registryOf({entry("ct1", R"(["opus"])", "online", std::to_string(kNow))}));
  EXPECT_EQ(names(view.candidates("opus", kNow + kStale, kStale)), std::vector<std::string>{"ct1"});
  EXPECT_TRUE(view.candidates("opus", kNow + kStale + 1, kStale).empty());
  EXPECT_EQ(view.unavailableHosts("opus", kNow + kStale + 1, kStale),
            std::vector<std::string>{"ct1"});
  EXPECT_TRUE(view.remoteAgents(kNow + kStale + 1, kStale).empty());
  EXPECT_TRUE(view.reachableAgents(kNow + kStale + 1, kStale).empty());
}

TEST(MeshView, ReachableAgentsCarryProviderAndModelFromTheRivetOsRecord) {
  MeshView view = viewOf(kRivetOsMesh); // datahub: no agents, pixel: degraded, rivet-a: us
  auto agents = view.reachableAgents(kNow, kStale);
  ASSERT_EQ(agents.size(), 2u);
  EXPECT_EQ(agents[0].id, "opus");
  EXPECT_EQ(agents[0].node, "ct201");
  EXPECT_EQ(agents[0].provider, "anthropic");
  EXPECT_EQ(agents[0].model, "claude-x");
  EXPECT_EQ(agents[1].id, "sonnet");
  EXPECT_EQ(agents[1].provider, "anthropic");
  EXPECT_EQ(agents[1].model, "");
  EXPECT_EQ(view.remoteAgents(kNow, kStale), (std::vector<std::string>{"opus", "sonnet"}));
  EXPECT_EQ(view.unavailableHosts("grok", kNow, kStale), std::vector<std::string>{"pixel"});
  EXPECT_TRUE(view.candidates("echo", kNow, kStale).empty()) << "this node's own entry";
}

TEST(MeshView, FieldsOfTheWrongTypeReadAsAbsent) {
  std::string now = std::to_string(kNow);
  MeshView view = viewOf(
      R"({"nodes":{"n1":{"name":"n1","host":7,"port":"4000","agents":[1,"a","a",null],)"
      R"("status":"online","lastSeen":)" +
      now +
      R"(,"metadata":{"agentDetails":{"a":{"provider":5,"model":"m"}}}},)"
      R"("n2":{"name":"n2","agents":"a","status":"online","lastSeen":)" +
      now +
      R"(},"n3":{"name":"n3","agents":["a"],"status":"online","lastSeen":"recent"},)"
      R"("n4":{"name":"n4","agents":["a"],"status":"online","lastSeen":-9223372036854775808},)"
      R"("n5":{"name":"n5","agents":["a"],"status":true,"lastSeen":)" +
      now + R"(},"n6":42,"n7":[1],"n8":{"agents":["a"],"lastSeen":1e300}}})");
  auto nodes = view.candidates("a", kNow, kStale);
  ASSERT_EQ(names(nodes), std::vector<std::string>{"n1"}) << "listed once though named twice";
  EXPECT_EQ(nodes[0].host, "");
  EXPECT_EQ(nodes[0].port, 3000);
  EXPECT_EQ(view.unavailableHosts("a", kNow, kStale),
            (std::vector<std::string>{"n3", "n4", "n5", ""}));
  auto agents = view.reachableAgents(kNow, kStale);
  ASSERT_EQ(agents.size(), 2u) << "one entry per string in the record, as the record has them";
  EXPECT_EQ(agents[0].provider, "");
  EXPECT_EQ(agents[0].model, "m");
  EXPECT_EQ(view.size(), 6u);
}

// metadata.features: ["tasks"] marks a node with the task API; anything else (no metadata, a
// RivetOS record, features of the wrong type, other feature names) reads as without it.
TEST(MeshView, OnlyARecordListingTheTasksFeatureHasTheTaskApi) {
  auto with = [](const std::string& name, const std::string& metadata) {
    std::string e = entry(name, "[\"opus\"]", "online", std::to_string(kNow));
    return e.substr(0, e.size() - 1) + ",\"metadata\":" + metadata + "}";
  };
  MeshView v = viewOf(registryOf(
      {with("ours", R"({"features":["a2a","tasks"]})"),
       entry("rivetos", "[\"opus\"]", "online", std::to_string(kNow)),
       with("typo", R"({"features":["Tasks","task"]})"), with("string", R"({"features":"tasks"})"),
       with("numbers", R"({"features":[1,2]})"), with("array", R"([["tasks"]])")}));
  std::map<std::string, bool> tasks;
  for (const auto& n : v.candidates("opus", kNow, kStale))
    tasks[n.name] = n.tasks;
  EXPECT_EQ(tasks, (std::map<std::string, bool>{{"ours", true},
                                                {"rivetos", false},
                                                {"typo", false},
                                                {"string", false},
                                                {"numbers", false},
                                                {"array", false}}));
}

TEST(MeshViewRefresher, IntervalIsAQuarterHeartbeatAtMost250Ms) {
  EXPECT_EQ(MeshViewRefresher::intervalFor(30000), 250ms);
  EXPECT_EQ(MeshViewRefresher::intervalFor(1000), 250ms);
  EXPECT_EQ(MeshViewRefresher::intervalFor(200), 50ms);
  EXPECT_EQ(MeshViewRefresher::intervalFor(1), 10ms);
}

TEST(MeshViewRefresher, ANodeAnotherWriterAddsIsSeenAtTheNextRefreshNotBefore) {
  Refreshed r(1h);
  auto& refresher = r.refresher;
  EXPECT_EQ(refresher.view()->size(), 0u);

  registry::RegistryStore other(r.dir.path(), FakeClock().clock()); // another node's process
  other.registerSelf(node("ct301", {"opus"}));
  EXPECT_TRUE(refresher.view()->candidates("opus", kNow, kStale).empty());
  refresher.refreshNow();
  EXPECT_EQ(names(refresher.view()->candidates("opus", kNow, kStale)),
            std::vector<std::string>{"ct301"});
}

TEST(MeshViewRefresher, AThousandNodeFileIsNotReadWhenTheViewIsAsked) {
  TempDir dir;
  writeNodes(dir.path(), 1000);
  registry::RegistryStore store(dir.path(), FakeClock().clock());
  MeshViewRefresher refresher(store, "rivet-a", 1h);
  refresher.refreshNow();
  auto before = refresher.view()->candidates("shared", kNow, kStale);
  ASSERT_EQ(before.size(), 1000u);
  EXPECT_EQ(before.front().name, "node-999");
  EXPECT_EQ(before.back().name, "node-0");
  EXPECT_EQ(refresher.view()->candidates("agent-3", kNow, kStale).size(), 100u);

  writeNodes(dir.path(), 10); // another writer: only ten nodes are left
  for (int i = 0; i < 100; ++i)
    ASSERT_EQ(refresher.view()->candidates("shared", kNow, kStale).size(), 1000u);
  refresher.refreshNow();
  EXPECT_EQ(refresher.view()->candidates("shared", kNow, kStale).size(), 10u);

  LogCapture log;
  writeFile(dir.file("mesh.json"), "{\"nodes\":{\"torn");
  EXPECT_EQ(refresher.view()->candidates("shared", kNow, kStale).size(), 10u);
  for (int i = 0; i < 3; ++i) {
    refresher.refreshNow();
    EXPECT_EQ(refresher.view()->candidates("shared", kNow, kStale).size(), 10u)
        << "a broken file keeps the previous view";
  }
  EXPECT_EQ(log.count("WARN  [Mesh] " + store.path() + " is not valid JSON"), 1u) << log.text();
}

TEST(MeshViewRefresher, LegacyFileKeepsThePreviousViewAndIsReportedOnce) {
  TempDir dir;
  writeFile(dir.file("mesh.json"), kRivetOsMesh);
  registry::RegistryStore store(dir.path(), FakeClock().clock());
  MeshViewRefresher refresher(store, "rivet-a", 1h);
  refresher.refreshNow();
  ASSERT_EQ(refresher.view()->size(), 3u);

  LogCapture log;
  writeFile(dir.file("mesh.json"), R"({"version":1,"nodes":[]})");
  for (int i = 0; i < 3; ++i)
    refresher.refreshNow();
  EXPECT_EQ(refresher.view()->size(), 3u);
  EXPECT_EQ(log.count("WARN  [Mesh] Delegation's view of " + store.path() + " not refreshed"), 1u)
      << log.text();
  EXPECT_TRUE(contains(log.text(), "legacy pre-capabilities flat-array format")) << log.text();
  EXPECT_TRUE(contains(log.text(), "keeps the previous view (3 other nodes)")) << log.text();

  writeFile(dir.file("mesh.json"), kRivetOsMesh);
  refresher.refreshNow();
  EXPECT_EQ(log.count("INFO  [Mesh] Delegation's view of " + store.path() + " is current again"),
            1u)
      << log.text();
}

TEST(MeshViewRefresher, ItsThreadRebuildsABurstAtMostThenWaitsForTheInterval) {
  Refreshed r(1h);
  auto& refresher = r.refresher;
  refresher.start();
  int seen = 0; // writes the thread picked up at once, until the budget ran out
  for (int nodes = 1; nodes <= MeshViewRefresher::kBurst + 2; ++nodes) {
    writeNodes(r.dir.path(), nodes);
    if (!within(300ms, [&] { return refresher.view()->size() == static_cast<size_t>(nodes); }))
      break;
    ++seen;
  }
  EXPECT_GE(seen, 1);
  EXPECT_LE(seen, MeshViewRefresher::kBurst);
  std::this_thread::sleep_for(10 * MeshViewRefresher::kPoll);
  EXPECT_EQ(refresher.view()->size(), static_cast<size_t>(seen)) << "rebuilt past the budget";
  refresher.refreshNow(); // a write of this node's own is not held back
  EXPECT_EQ(refresher.view()->size(), static_cast<size_t>(seen + 1));
  refresher.stop();
  refresher.stop(); // twice is harmless
}

TEST(MeshViewRefresher, ItsThreadSeesAWriteOnThisMachineWellBeforeThePeriodicRead) {
  Refreshed r(10ms);
  r.refresher.start();
  writeNodes(r.dir.path(), 3);
  EXPECT_TRUE(within(std::chrono::milliseconds(MeshViewRefresher::kRecheck) * 6 / 10,
                     [&] { return r.refresher.view()->size() == 3u; }));
}

TEST(FileWatch, WakesForTheWatchedFileOnlyAndWhenWoken) {
  TempDir dir;
  app::FileWatch watch(dir.file("mesh.json"));
  EXPECT_FALSE(watch.wait(10ms)) << "nothing happened";
  writeFile(dir.file("other.json"), "{}");
  EXPECT_FALSE(watch.wait(10ms)) << "another file of the folder";
  writeNodes(dir.path(), 2); // a locked write: lock file, temporary file, rename onto mesh.json
  EXPECT_TRUE(watch.wait(2s));
  watch.wake();
  EXPECT_TRUE(watch.wait(2s));
  EXPECT_FALSE(watch.wait(10ms)) << "one wake, one return";
}

namespace {

// A running Membership on a temporary storage folder: heartbeat 200 ms, so a refresh each 50 ms.
struct RunningMembership {
  TempDir dir;
  config::Mesh mesh;
  plugin::AgentSet agents; // none: the view is of the other nodes
  std::unique_ptr<app::Membership> membership;
  registry::RegistryStore other{dir.path()}; // another node's process, on the system clock

  RunningMembership() {
    mesh.enabled = true;
    mesh.nodeName = "rivet-a";
    mesh.advertiseHost = "127.0.0.1";
    mesh.storageDir = dir.path();
    mesh.heartbeatIntervalMs = 200;
    mesh.staleThresholdMs = 5000;
    membership = std::make_unique<app::Membership>(mesh, agents);
    membership->start();
  }
  ~RunningMembership() { membership->stop(); }
};

} // namespace

TEST(MembershipView, OwnRecordInMeshJsonAdvertisesTheTaskApi) {
  RunningMembership m;
  auto stored = m.other.snapshot()->find("rivet-a");
  ASSERT_TRUE(stored);
  std::string json = stored->toJson(0);
  EXPECT_NE(json.find(R"("features":["tasks"])"), std::string::npos) << json;
}

TEST(MembershipView, ANodeSeenJoiningCanBeAskedForAtOnce) {
  RunningMembership m;
  auto answer = m.membership->join(R"({"id":"ct301","name":"ct301","host":"127.0.0.2","port":3001,)"
                                   R"("agents":["opus"]})",
                                   "ct301");
  ASSERT_EQ(answer.status, 200) << answer.body;
  auto nodes = m.membership->candidates("opus");
  ASSERT_EQ(names(nodes), std::vector<std::string>{"ct301"});
  EXPECT_EQ(nodes[0].port, 3001);
  EXPECT_EQ(m.membership->remoteAgents(), std::vector<std::string>{"opus"});
}

TEST(MembershipView, ANodeAnotherNodeRegistersOrStopsIsSeenWithinOneRefresh) {
  RunningMembership m;
  const auto refresh = MeshViewRefresher::intervalFor(m.mesh.heartbeatIntervalMs);
  // One refresh, with room for a loaded machine (sanitizers, two cores shared with the suite).
  const auto limit = refresh + 2s;

  m.other.registerSelf(node("ct302", {"sonnet"}));
  EXPECT_TRUE(within(limit, [&] { return m.membership->candidates("sonnet").size() == 1; }));
  EXPECT_EQ(m.membership->reachableAgents().size(), 1u);
  EXPECT_TRUE(m.membership->unavailableHosts("sonnet").empty());

  m.other.markOffline("ct302");
  EXPECT_TRUE(within(limit, [&] { return m.membership->candidates("sonnet").empty(); }));
  EXPECT_EQ(m.membership->unavailableHosts("sonnet"), std::vector<std::string>{"ct302"});
  EXPECT_TRUE(m.membership->reachableAgents().empty());
}

namespace rivet {

// metadata.policy is another node's word in a shared file: a readable summary reaches delegation
// with its revision; a hostile or broken one leaves the node listed without a summary.
TEST(MeshViewPolicy, AReadableSummaryIsKeptAndAHostileOneIsIgnoredWithoutLosingTheNode) {
  auto withMetadata = [](const std::string& name, const std::string& metadata) {
    std::string e = entry(name, "[\"opus\"]", "online", std::to_string(kNow));
    e.insert(e.size() - 1, ",\"metadata\":" + metadata);
    return e;
  };
  const std::string good =
      R"({"policy":{"mode":"enforce","agents":{"opus":{"allow":["node-c"]}}}})";
  std::string manyPatterns = R"({"policy":{"agents":{"opus":{"allow":[)";
  for (int i = 0; i < 65; ++i)
    manyPatterns += std::string(i ? "," : "") + "\"n" + std::to_string(i) + "\"";
  manyPatterns += "]}}}}";
  MeshView view = viewOf(registryOf({
      withMetadata("good", good),
      withMetadata("typed", R"({"policy":"allow everyone"})"),
      withMetadata("pattern", R"({"policy":{"agents":{"opus":{"deny":["a b"]}}}})"),
      withMetadata("long", manyPatterns),
      withMetadata("nested", R"({"policy":{"agents":{"opus":{"allow":[["node-c"]]}}}})"),
  }));
  auto nodes = view.candidates("opus", kNow, kStale);
  ASSERT_EQ(nodes.size(), 5u) << "a bad summary must not drop its node";
  for (const auto& n : nodes) {
    if (n.name == "good") {
      ASSERT_TRUE(n.policy);
      EXPECT_FALSE(n.policy->decide("opus", policy::Caller{"node-x", ""}).allowed);
      EXPECT_TRUE(n.policy->decide("opus", policy::Caller{"node-c", ""}).allowed);
      EXPECT_EQ(n.policyRevision, n.policy->revision());
    } else {
      EXPECT_FALSE(n.policy) << n.name;
      EXPECT_EQ(n.policyRevision, "") << n.name;
    }
  }
  for (const auto& a : view.reachableAgents(kNow, kStale))
    EXPECT_EQ(static_cast<bool>(a.policy), a.node == "good") << a.node;
}

} // namespace rivet
