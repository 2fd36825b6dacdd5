// POST /api/mesh/join as the registry sees it (docs/protocol.md §3): RivetOS's 400 texts for bad
// bodies, arrays of strings checked, lastSeen stamped, replace by id with unknown fields kept.
#include "registry/JoinRequest.hpp"
#include "registry/RegistryFile.hpp"

#include "registry_fixtures.hpp"

#include <gtest/gtest.h>

using namespace rivet::registry;
using namespace rivet::test;

namespace {

const std::string kValid =
    R"({"id":"ct301","name":"ct301","host":"192.0.2.31","port":3000,"agents":["opus"]})";

std::string errorFor(const std::string& body) {
  return checkJoinBody(body).error;
}

std::string with(const std::string& field) { // kValid with one more (or overriding) field
  return R"({"id":"ct301","name":"ct301","host":"192.0.2.31","port":3000,)" + field + "}";
}

} // namespace

TEST(RegistryJoin, BodyThatIsNotJsonIsAnInvalidJsonBody) {
  for (const char* body : {"", "   ", "{not json", "null"})
    EXPECT_EQ(errorFor(body), "Invalid JSON body") << body;
}

TEST(RegistryJoin, MissingOrEmptyRequiredFieldsGiveRivetOsText) {
  const std::string missing = "Missing required node fields (id, name, host, port)";
  for (const std::string& body : {std::string(R"({"name":"a","host":"h","port":3000})"),
                                  std::string(R"({"id":"a","name":"","host":"h","port":3000})"),
                                  std::string(R"({"id":"a","name":"a","port":3000})"),
                                  std::string(R"({"id":"a","name":"a","host":"h","port":0})"),
                                  std::string(R"({"id":"a","name":"a","host":"h","port":65536})"),
                                  std::string(R"({"id":"a","name":"a","host":"h","port":"3000"})"),
                                  std::string(R"({"id":7,"name":"a","host":"h","port":3000})"),
                                  std::string("[1,2]"), std::string("42")})
    EXPECT_EQ(errorFor(body), missing) << body;
  EXPECT_EQ(errorFor(with(R"("x":1)")), "");
}

TEST(RegistryJoin, ArraysMustHoldStrings) {
  EXPECT_EQ(errorFor(with(R"("agents":"opus")")),
            "Invalid node field agents: must be an array of strings");
  EXPECT_EQ(errorFor(with(R"("providers":[1])")),
            "Invalid node field providers: must be an array of strings");
  EXPECT_EQ(errorFor(with(R"("models":null)")),
            "Invalid node field models: must be an array of strings");
  EXPECT_EQ(errorFor(with(R"("capabilities":{})")),
            "Invalid node field capabilities: must be an array of strings");
}

TEST(RegistryJoin, MissingArraysBecomeEmpty) {
  JoinCheck check = checkJoinBody(with(R"("sshUser":"ops")"));
  ASSERT_TRUE(check.node) << check.error;
  EXPECT_EQ(check.node->toJson(),
            R"({"id":"ct301","name":"ct301","host":"192.0.2.31","port":3000,"sshUser":"ops",)"
            R"("agents":[],"providers":[],"models":[],"capabilities":[]})");
}

TEST(RegistryJoin, StampsLastSeenKeepsTruthyRegisteredAtAndDefaultsStatus) {
  TempDir dir;
  FakeClock clock;
  RegistryStore store(dir.path(), clock.clock());
  store.join(*checkJoinBody(with(R"("registeredAt":123,"lastSeen":5)")).node);
  NodeRecord joined = *store.snapshot()->find("ct301");
  EXPECT_EQ(joined.lastSeen(), kNow);
  EXPECT_EQ(joined.registeredAt(), 123);
  EXPECT_EQ(joined.status(), "online");
  store.join(*checkJoinBody(with(R"("registeredAt":0,"status":"degraded")")).node);
  joined = *store.snapshot()->find("ct301");
  EXPECT_EQ(joined.registeredAt(), kNow);
  EXPECT_EQ(joined.status(), "degraded");
}

TEST(RegistryJoin, ReplacesTheEntryByIdKeepingItsPlaceAndHandAddedFields) {
  TempDir dir;
  writeFile(dir.file("mesh.json"), kRivetOsMesh);
  RegistryStore store(dir.path());
  std::string body = R"({"id":"ct201","name":"ct201","host":"192.0.2.99","port":3001,)"
                     R"("agents":["haiku"],"platform":"linux","metadata":{"denPort":1}})";
  std::string nodes = store.join(*checkJoinBody(body).node);
  Registry r = RegistryFile::parse(readFile(store.path()), store.path());
  EXPECT_EQ(r.size(), 4u);
  EXPECT_EQ(r.nodes()[1].id(), "ct201"); // still second, as in the file
  NodeRecord ct201 = *r.find("ct201");
  EXPECT_EQ(ct201.host(), "192.0.2.99");
  EXPECT_EQ(ct201.agents(), (std::vector<std::string>{"haiku"}));
  EXPECT_EQ(ct201.string("platform"), "linux");
  EXPECT_EQ(ct201.metadataJson(), R"({"denPort":1})");
  EXPECT_EQ(ct201.string("sshUser"), "phil");            // added by hand, not in the body: kept
  EXPECT_EQ(ct201.models(), std::vector<std::string>{}); // the body's [] replaces the old list
  EXPECT_TRUE(contains(nodes, R"("host":"192.0.2.99")")) << nodes;
  EXPECT_EQ(nodes, RegistryStore::nodesArrayJson(r));
}

TEST(RegistryJoin, BodyOver64KiBIsRefusedWith413) {
  JoinCheck check = checkJoinBody(with(R"("pad":")" + std::string(64 * 1024, 'x') + "\""));
  EXPECT_FALSE(check.node);
  EXPECT_EQ(check.status, 413);
  EXPECT_TRUE(contains(check.error, "Join body exceeds 64 KiB limit")) << check.error;
  EXPECT_EQ(checkJoinBody(kValid).status, 400); // the status of any other refusal
}

TEST(RegistryJoin, MoreThan256AgentsAreRefusedNamingTheField) {
  std::string agents;
  for (int i = 0; i < 257; ++i)
    agents += (i ? ",\"a" : "\"a") + std::to_string(i) + "\"";
  EXPECT_EQ(errorFor(with(R"("agents":[)" + agents + "]")),
            "Invalid node field agents: at most 256 entries");
  EXPECT_EQ(errorFor(with(R"("agents":[)" + agents.substr(agents.find(',') + 1) + "]")), "");
}

TEST(RegistryJoin, StringsOver256BytesAreRefusedNamingTheField) {
  std::string longer(257, 'h');
  EXPECT_EQ(errorFor(R"({"id":"ct301","name":"ct301","port":3000,"host":")" + longer + "\"}"),
            "Invalid node field host: strings must be at most 256 bytes");
  EXPECT_EQ(errorFor(with(R"("models":["ok",")" + longer + "\"]")),
            "Invalid node field models: strings must be at most 256 bytes");
  EXPECT_EQ(errorFor(with(R"("version":")" + longer + "\"")),
            "Invalid node field version: strings must be at most 256 bytes");
  EXPECT_EQ(errorFor(with(R"("models":[")" + std::string(256, 'm') + "\"]")), "");
}

TEST(RegistryJoin, InvalidUtf8IsAnInvalidJsonBody) {
  EXPECT_EQ(errorFor(with("\"sshUser\":\"op\xc3\x28s\"")), "Invalid JSON body");
}

TEST(RegistryJoin, CertificateMayRegisterOnlyTheEntryWhoseIdAndNameAreItsCn) {
  NodeRecord own = *checkJoinBody(kValid).node; // id and name ct301
  EXPECT_EQ(checkJoinIdentity("ct301", own), "");
  EXPECT_EQ(checkJoinIdentity("ct301.mesh", own), "");
  EXPECT_EQ(checkJoinIdentity("ct302", own), "Certificate CN ct302 may not register node ct301");
  NodeRecord otherId =
      *checkJoinBody(R"({"id":"victim","name":"ct301","host":"192.0.2.31","port":3000})").node;
  EXPECT_EQ(checkJoinIdentity("ct301", otherId),
            "Certificate CN ct301 may not register node victim");
  EXPECT_EQ(checkJoinIdentity("ct301.mesh", otherId),
            "Certificate CN ct301.mesh may not register node victim");
}

TEST(RegistryJoin, OneCertificateCannotOwnASecondEntryUnderItsDottedName) {
  NodeRecord dotted =
      *checkJoinBody(R"({"id":"ct301.mesh","name":"ct301.mesh","host":"h","port":3000})").node;
  EXPECT_EQ(checkJoinIdentity("ct301.mesh", dotted),
            "Certificate CN ct301.mesh may not register node ct301.mesh");
  NodeRecord agent =
      *checkJoinBody(R"({"id":"opus@ct301","name":"opus@ct301","host":"h","port":3000})").node;
  EXPECT_EQ(checkJoinIdentity("opus@ct301", agent),
            "Certificate CN opus@ct301 may not register node opus@ct301");
}
