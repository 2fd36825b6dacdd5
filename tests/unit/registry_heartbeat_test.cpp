// Heartbeat, prune and the other own-entry writes, exactly as docs/protocol.md §5: own entry online
// at every tick, stale agent nodes marked offline (never self, never non-agent roles), nothing
// deleted.
#include "registry/JsonMembers.hpp"
#include "registry/RegistryError.hpp"
#include "registry/RegistryFile.hpp"

#include "registry_fixtures.hpp"

#include <algorithm>
#include <gtest/gtest.h>

using namespace rivet::registry;
using namespace rivet::test;

namespace {

constexpr int64_t kStale = 90000;

struct Mesh {
  TempDir dir;
  FakeClock clock;
  RegistryStore store{dir.path(), clock.clock()};
  explicit Mesh(const std::string& text = kRivetOsMesh) { writeFile(dir.file("mesh.json"), text); }
  Registry file() const { return RegistryFile::parse(readFile(store.path()), store.path()); }
  NodeRecord node(const std::string& id) const { return *file().find(id); }
};

} // namespace

TEST(RegistryHeartbeat, SetsOwnLastSeenAndOnlineAndTouchesNothingElse) {
  Mesh m;
  m.store.update([](Registry& r) {
    r.entry("rivet-a")->FindMember("status")->value.SetString("degraded");
    return true;
  });
  Registry before = m.file();
  m.store.heartbeat(ourNode());
  NodeRecord self = m.node("rivet-a");
  EXPECT_EQ(self.status(), "online");
  EXPECT_EQ(self.lastSeen(), kNow);
  EXPECT_EQ(self.registeredAt(), 1795735000050);
  for (const char* id : {"datahub", "ct201", "pixel"})
    EXPECT_EQ(m.node(id).toJson(), before.find(id)->toJson()) << id;
}

TEST(RegistryHeartbeat, VanishedOwnEntryIsReRegisteredAndLogged) {
  Mesh m;
  m.store.registerSelf(ourNode());
  m.store.update([](Registry& r) { return json::erase(r.nodesObject(), "rivet-a"); });
  LogCapture log;
  *m.clock.now += 30000;
  EXPECT_TRUE(m.store.heartbeat(ourNode()));
  NodeRecord self = m.node("rivet-a");
  EXPECT_EQ(self.status(), "online");
  EXPECT_EQ(self.lastSeen(), kNow + 30000);
  EXPECT_TRUE(contains(log.text(), "INFO  [Mesh] Node re-registered: rivet-a (rivet-a) — its "
                                   "entry had vanished from " +
                                       m.store.path()))
      << log.text();
  EXPECT_FALSE(m.store.heartbeat(ourNode()));
  EXPECT_EQ(log.count("re-registered"), 1u);
}

TEST(RegistryHeartbeat, RegisterSelfTakesOwnFieldsAndKeepsHandAddedOnes) {
  Mesh m;
  m.store.update([](Registry& r) {
    json::setString(*r.entry("rivet-a"), "sshUser", "ops", r.allocator());
    json::setString(*r.entry("rivet-a"), "agents", "stale value", r.allocator());
    return true;
  });
  LogCapture log;
  NodeRecord self = ourNode();
  self.setStrings("agents", {"echo", "opus"});
  m.store.registerSelf(self);
  NodeRecord written = m.node("rivet-a");
  EXPECT_EQ(written.agents(), (std::vector<std::string>{"echo", "opus"}));
  EXPECT_EQ(written.string("sshUser"), "ops");
  EXPECT_EQ(written.lastSeen(), kNow);
  EXPECT_EQ(written.registeredAt(), kNow); // as RivetOS: restamped at every start
  EXPECT_TRUE(contains(log.text(), "Node registered: rivet-a (rivet-a) at 192.0.2.50:3000"))
      << log.text();
}

TEST(RegistryHeartbeat, CleanStopMarksOwnEntryOffline) {
  Mesh m;
  EXPECT_TRUE(m.store.markOffline("rivet-a"));
  EXPECT_EQ(m.node("rivet-a").status(), "offline");
  EXPECT_FALSE(m.store.markOffline("rivet-a"));
  EXPECT_FALSE(m.store.markOffline("never-registered"));
}

TEST(RegistryPrune, MarksStaleAgentNodesOfflineAndLogsThem) {
  Mesh m;
  LogCapture log;
  *m.clock.now = 1795735995000 + kStale + 10000; // ct201 seen 100 s ago
  auto pruned = m.store.prune("rivet-a", kStale);
  EXPECT_EQ(pruned, (std::vector<std::string>{"ct201", "pixel"}));
  EXPECT_EQ(m.node("ct201").status(), "offline");
  EXPECT_TRUE(contains(log.text(), "WARN  [Mesh] Node stale: ct201 (ct201) — last seen 100s ago"))
      << log.text();
}

TEST(RegistryPrune, NeverMarksItsOwnNode) {
  Mesh m;
  *m.clock.now += 10 * kStale;
  auto pruned = m.store.prune("rivet-a", kStale);
  EXPECT_EQ(std::count(pruned.begin(), pruned.end(), "rivet-a"), 0);
  EXPECT_EQ(m.node("rivet-a").status(), "online");
}

TEST(RegistryPrune, NeverMarksNonAgentRoles) {
  Mesh m;
  *m.clock.now += 10 * kStale; // the datahub was seen hours ago
  m.store.prune("rivet-a", kStale);
  EXPECT_EQ(m.node("datahub").status(), "online");
}

TEST(RegistryPrune, AgentRoleIsPrunedLikeNoRole) {
  Mesh m;
  m.store.update([](Registry& r) {
    json::setString(*r.entry("ct201"), "role", "agent", r.allocator());
    return true;
  });
  *m.clock.now += 10 * kStale;
  m.store.prune("rivet-a", kStale);
  EXPECT_EQ(m.node("ct201").status(), "offline");
}

TEST(RegistryPrune, DegradedStaleNodeGoesOffline) {
  Mesh m;
  *m.clock.now = 1795735900000 + kStale + 1; // pixel (degraded) just past the threshold
  EXPECT_EQ(m.store.prune("rivet-a", kStale), (std::vector<std::string>{"pixel"}));
  EXPECT_EQ(m.node("pixel").status(), "offline");
}

TEST(RegistryPrune, NodeExactlyAtTheThresholdIsNotStale) {
  Mesh m;
  *m.clock.now = 1795735900000 + kStale;
  EXPECT_TRUE(m.store.prune("rivet-a", kStale).empty());
  EXPECT_EQ(m.node("pixel").status(), "degraded");
}

TEST(RegistryPrune, OfflineNodesAreNotLoggedOrWrittenAgain) {
  Mesh m;
  *m.clock.now += 10 * kStale;
  m.store.prune("rivet-a", kStale);
  std::string after = readFile(m.store.path());
  LogCapture log;
  *m.clock.now += kStale;
  EXPECT_TRUE(m.store.prune("rivet-a", kStale).empty());
  EXPECT_EQ(log.count("Node stale"), 0u) << log.text();
  EXPECT_EQ(readFile(m.store.path()), after);
}

TEST(RegistryPrune, NothingIsEverDeleted) {
  Mesh m;
  *m.clock.now += 100 * kStale;
  m.store.heartbeatAndPrune(ourNode(), kStale);
  EXPECT_EQ(m.file().size(), 4u);
}

TEST(RegistryPrune, TickHeartbeatsAndPrunesInOneWrite) {
  Mesh m;
  *m.clock.now += 10 * kStale;
  auto tick = m.store.heartbeatAndPrune(ourNode(), kStale);
  EXPECT_FALSE(tick.reregistered);
  EXPECT_EQ(tick.pruned, (std::vector<std::string>{"ct201", "pixel"}));
  Registry r = m.file();
  EXPECT_EQ(r.find("rivet-a")->lastSeen(), *m.clock.now);
  EXPECT_EQ(r.find("ct201")->status(), "offline");
  EXPECT_EQ(r.updatedAt(), *m.clock.now);
}

TEST(RegistryLookup, FindByAgentPicksOnlineFreshNodesNewestFirst) {
  Mesh m;
  NodeRecord other = ourNode("rivet-b");
  m.store.registerSelf(other); // echo on rivet-b, seen now
  *m.clock.now += 1000;
  m.store.heartbeat(ourNode()); // echo on rivet-a, seen a second later
  auto echo = m.store.findByAgent("echo", kStale);
  ASSERT_EQ(echo.size(), 2u);
  EXPECT_EQ(echo[0].id(), "rivet-a");
  EXPECT_EQ(echo[1].id(), "rivet-b");
  EXPECT_TRUE(m.store.findByAgent("grok", kStale).empty()); // pixel is degraded
  m.store.markOffline("rivet-b");
  EXPECT_EQ(m.store.findByAgent("echo", kStale).size(), 1u);
  *m.clock.now += kStale + 1;
  EXPECT_TRUE(m.store.findByAgent("echo", kStale).empty()); // online but stale
}

TEST(RegistryLookup, NodesJsonListsEveryNodeInFileOrder) {
  Mesh m;
  m.store.markOffline("rivet-a");
  std::string nodes = m.store.nodesJson();
  EXPECT_EQ(nodes.front(), '[');
  size_t hub = nodes.find(R"("id":"datahub")"), ct = nodes.find(R"("id":"ct201")");
  size_t pixel = nodes.find(R"("id":"pixel")"), self = nodes.find(R"("id":"rivet-a")");
  EXPECT_LT(hub, ct);
  EXPECT_LT(ct, pixel);
  EXPECT_LT(pixel, self);
  EXPECT_NE(self, std::string::npos);
  EXPECT_TRUE(contains(nodes, R"("sshUser":"phil","platform":"linux"})")) << nodes;
}

TEST(RegistryLookup, VerifiedHintIsWrittenOnlineUnlessTheFileKnowsNewer) {
  Mesh m;
  NodeRecord hint = ourNode("ct301");
  hint.setStatus("offline").setString("platform", "linux");
  EXPECT_TRUE(m.store.upsertVerified(hint, kNow - 5));
  NodeRecord written = m.node("ct301");
  EXPECT_EQ(written.status(), "online");
  EXPECT_EQ(written.lastSeen(), kNow - 5);
  EXPECT_EQ(written.string("platform"), "linux");
  EXPECT_FALSE(m.store.upsertVerified(hint, kNow - 10)); // older than what the file has
  NodeRecord broken = hint;
  broken.setString("host", "");
  EXPECT_THROW(m.store.upsertVerified(broken, kNow), RegistryError);
}
