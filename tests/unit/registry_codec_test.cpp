// mesh.json codec: RivetOS's layout round-trips byte for byte, key order and unknown fields are
// kept, any valid JSON is read, and the legacy flat-array file is refused naming the file.
#include "registry/JsonCodec.hpp"
#include "registry/RegistryError.hpp"
#include "registry/RegistryFile.hpp"

#include "registry_fixtures.hpp"

#include <gtest/gtest.h>

using namespace rivet::registry;
using namespace rivet::test;

namespace {

std::string replaced(std::string text, const std::string& from, const std::string& to) {
  size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  EXPECT_EQ(text.find(from, at + 1), std::string::npos) << from << " is not unique";
  return text.replace(at, from.size(), to);
}

std::string compact(const std::string& json) {
  rapidjson::Document doc;
  std::string error;
  EXPECT_TRUE(parseJson(json, doc, error)) << error;
  return stringifyJson(doc);
}

} // namespace

TEST(RegistryCodec, RivetOsFileRoundTripsByteForByte) {
  Registry r = RegistryFile::parse(kRivetOsMesh, "/rivet-shared/mesh.json");
  EXPECT_EQ(r.size(), 4u);
  EXPECT_EQ(RegistryFile::serialize(r), kRivetOsMesh);
}

TEST(RegistryCodec, HeartbeatChangesOnlyOurEntryOfARivetOsFile) {
  TempDir dir;
  writeFile(dir.file("mesh.json"), kRivetOsMesh);
  FakeClock clock;
  RegistryStore store(dir.path(), clock.clock());
  store.heartbeat(ourNode());
  std::string expected = replaced(kRivetOsMesh, "\"lastSeen\": 1795735870001",
                                  "\"lastSeen\": " + std::to_string(kNow));
  expected =
      replaced(expected, "\"updatedAt\": 1795735995001", "\"updatedAt\": " + std::to_string(kNow));
  EXPECT_EQ(readFile(dir.file("mesh.json")), expected);
}

TEST(RegistryCodec, WritesTwoSpaceIndentAndNoTrailingNewline) {
  Registry r;
  r.put(ourNode());
  std::string text = RegistryFile::serialize(r);
  EXPECT_EQ(text.rfind("{\n  \"version\": 1,\n  \"nodes\": {\n    \"rivet-a\": {\n", 0), 0u)
      << text;
  EXPECT_EQ(text.back(), '}');
  EXPECT_TRUE(contains(text, "\"capabilities\": [],\n")) << text;
  EXPECT_TRUE(contains(text, "\"agents\": [\n        \"echo\"\n      ],")) << text;
}

TEST(RegistryCodec, NewRecordsUseRivetOsKeyOrder) {
  std::string json = ourNode().toJson();
  EXPECT_EQ(json, R"({"id":"rivet-a","name":"rivet-a","agents":["echo"],"host":"192.0.2.50",)"
                  R"("port":3000,"providers":["echo"],"models":[],"capabilities":[],)"
                  R"("status":"online","lastSeen":0,"registeredAt":0,"version":"0.1.0"})");
}

TEST(RegistryCodec, KeepsKeyOrderAndUnknownKeysEverywhere) {
  std::string text =
      R"({"zeta":true,"nodes":{"b":{"platform":"android","id":"b","x":[1,{"q":2,"p":1}]},)"
      R"("a":{"id":"a"}},"updatedAt":5,"version":1,"extra":{"k":null}})";
  Registry r = RegistryFile::parse(text, "mesh.json");
  EXPECT_EQ(stringifyJson(r.document()), text);
}

TEST(RegistryCodec, ReadsAnyValidJsonLayout) {
  std::string oneLine = compact(kRivetOsMesh);
  Registry r = RegistryFile::parse("\n\t" + oneLine + "\n", "mesh.json");
  EXPECT_EQ(RegistryFile::serialize(r), kRivetOsMesh);
}

TEST(RegistryCodec, RefusesLegacyFlatArrayNamingTheFile) {
  std::string legacy = R"({"version":1,"nodes":[{"id":"ct201","name":"ct201"}]})";
  try {
    RegistryFile::parse(legacy, "/rivet-shared/mesh.json");
    FAIL() << "a flat-array file must be refused";
  } catch (const RegistryError& e) {
    EXPECT_EQ(e.kind(), RegistryError::Kind::Legacy);
    EXPECT_TRUE(contains(e.what(), "/rivet-shared/mesh.json")) << e.what();
    EXPECT_TRUE(contains(e.what(), "pre-capabilities flat-array")) << e.what();
  }
}

TEST(RegistryCodec, EmptyTornAndForeignFilesAreInvalidNamingTheFile) {
  std::string torn = kRivetOsMesh.substr(0, kRivetOsMesh.size() / 2);
  for (const std::string& text : {std::string(""), std::string("  \n"), torn, std::string("[1,2]"),
                                  std::string(R"({"version":1})")}) {
    try {
      RegistryFile::parse(text, "/shared/mesh.json");
      FAIL() << "accepted: " << text;
    } catch (const RegistryError& e) {
      EXPECT_EQ(e.kind(), RegistryError::Kind::Invalid) << text;
      EXPECT_TRUE(contains(e.what(), "/shared/mesh.json")) << e.what();
    }
  }
}

TEST(RegistryCodec, NumbersAreWrittenAsJavaScriptWritesThem) {
  // Expected output taken from node: JSON.stringify of the same values. ("d" is 2^64: the reader
  // parses without RapidJSON's full-precision path, whose 1.1.0 code reads out of bounds on
  // crafted numbers, so a decimal that is not exactly a double may differ in its last digit.)
  EXPECT_EQ(compact(R"({"a":1.5,"b":1e21,"c":1e-7,"d":18446744073709551616,"e":-0.0000015,)"
                    R"("f":3.0,"g":0.1,"h":1e300,"i":-0,"j":5e-324,"l":0.000001,"m":1E2})"),
            R"({"a":1.5,"b":1e+21,"c":1e-7,"d":18446744073709552000,"e":-0.0000015,)"
            R"("f":3,"g":0.1,"h":1e+300,"i":0,"j":5e-324,"l":0.000001,"m":100})");
  EXPECT_EQ(compact("[1795735875453,-42,9007199254740993]"),
            "[1795735875453,-42,9007199254740993]"); // integers are kept exactly
}

TEST(RegistryCodec, StringsAreEscapedAsJavaScriptEscapesThem) {
  EXPECT_EQ(compact(R"(["\u0001\b\f\n\r\t\"\\\/é\u00e9\ud83d\ude00"])"),
            "[\"\\u0001\\b\\f\\n\\r\\t\\\"\\\\/éé\xF0\x9F\x98\x80\"]");
}

TEST(RegistryCodec, RefusesNestingDeeperThanTheLimit) {
  rapidjson::Document doc;
  std::string error;
  std::string deep = std::string(kMaxJsonDepth + 1, '[') + std::string(kMaxJsonDepth + 1, ']');
  EXPECT_FALSE(parseJson(deep, doc, error));
  EXPECT_TRUE(contains(error, "nested deeper")) << error;
  std::string fine = std::string(kMaxJsonDepth, '[') + std::string(kMaxJsonDepth, ']');
  EXPECT_TRUE(parseJson(fine, doc, error)) << error;
}

TEST(RegistryCodec, NodeRecordReadsTheKnownFields) {
  Registry r = RegistryFile::parse(kRivetOsMesh, "mesh.json");
  NodeRecord ct201 = *r.find("ct201");
  EXPECT_EQ(ct201.id(), "ct201");
  EXPECT_EQ(ct201.name(), "ct201");
  EXPECT_FALSE(ct201.role());
  EXPECT_TRUE(ct201.isAgentRole());
  EXPECT_EQ(ct201.agents(), (std::vector<std::string>{"opus", "sonnet"}));
  EXPECT_TRUE(ct201.hostsAgent("sonnet"));
  EXPECT_EQ(ct201.host(), "192.0.2.201");
  EXPECT_EQ(ct201.port(), 3000);
  EXPECT_EQ(ct201.providers(), (std::vector<std::string>{"anthropic"}));
  EXPECT_EQ(ct201.models(), (std::vector<std::string>{"claude-x"}));
  EXPECT_EQ(ct201.capabilities(), (std::vector<std::string>{"den"}));
  EXPECT_TRUE(contains(ct201.metadataJson(), R"("denPort":3100)")) << ct201.metadataJson();
  EXPECT_EQ(ct201.status(), "online");
  EXPECT_EQ(ct201.lastSeen(), 1795735995000);
  EXPECT_EQ(ct201.registeredAt(), 1795735000000);
  EXPECT_EQ(ct201.version(), "0.1.0");
  EXPECT_EQ(ct201.string("sshUser"), "phil");
  NodeRecord hub = *r.find("datahub");
  EXPECT_EQ(hub.role(), "datahub");
  EXPECT_FALSE(hub.isAgentRole());
  EXPECT_EQ(hub.metadataJson(), "");
}
