// The static discovery plugin, driven through its descriptor by the SDK's fake host.
#include <rivet/sdk/testing/fake_host.hpp>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

using rivet::sdk::testing::FakeHost;
using rivet::sdk::testing::FakeReply;
using rivet::sdk::testing::PluginHarness;

namespace {

std::string settings(const std::string& peers) {
  return R"({"mode":"static","node_name":"node-a","port":3000,"heartbeat_interval_ms":30000)" +
         (peers.empty() ? std::string() : ",\"peers\":" + peers) + "}";
}

Poco::JSON::Array::Ptr parseArray(const std::string& json) {
  Poco::JSON::Parser parser;
  return parser.parse(json).extract<Poco::JSON::Array::Ptr>();
}

// The refusal create() gives for these settings, or "" when it accepts them.
std::string refusal(const std::string& config) {
  FakeHost host("discovery-static", config);
  PluginHarness plugin(&rivet_plugin_entry, host);
  try {
    plugin.create();
    return "";
  } catch (const std::runtime_error& e) {
    return e.what();
  }
}

} // namespace

TEST(StaticDiscovery, DeclaresADiscoveryPluginNamedDiscoveryStatic) {
  FakeHost host;
  PluginHarness plugin(&rivet_plugin_entry, host);
  EXPECT_STREQ(plugin.descriptor().name, "discovery-static");
  EXPECT_EQ(plugin.descriptor().kind, static_cast<uint32_t>(RIVET_KIND_DISCOVERY));
}

TEST(StaticDiscovery, ReportsEveryConfiguredPeerOnceAtStartSkippingItself) {
  FakeHost host("discovery-static", settings(R"([{"name":"node-a","host":"10.0.0.1","port":3000},
                             {"name":"node-b","host":"10.0.0.2","port":3001},
                             {"name":"node-c","host":"node-c.lan"}])"));
  int requests = 0;
  host.onRequest = [&](const rivet_peer_request&) {
    ++requests;
    return FakeReply{};
  };
  PluginHarness plugin(&rivet_plugin_entry, host);
  plugin.create();
  EXPECT_TRUE(host.peersSeen.empty()) << "nothing is reported before start";
  plugin.start();
  plugin.stop();

  ASSERT_EQ(host.peersSeen.size(), 1u);
  const auto hints = parseArray(host.peersSeen[0]);
  ASSERT_EQ(hints->size(), 2u);
  EXPECT_EQ(hints->getObject(0)->getValue<std::string>("name"), "node-b");
  EXPECT_EQ(hints->getObject(0)->getValue<std::string>("host"), "10.0.0.2");
  EXPECT_EQ(hints->getObject(0)->getValue<int>("port"), 3001);
  EXPECT_EQ(hints->getObject(1)->getValue<std::string>("name"), "node-c");
  EXPECT_EQ(hints->getObject(1)->getValue<std::string>("host"), "node-c.lan");
  EXPECT_EQ(hints->getObject(1)->getValue<int>("port"), 3000) << "port defaults to 3000";
  EXPECT_TRUE(host.peersLost.empty());
  EXPECT_EQ(requests, 0) << "the core verifies peers; the plugin only reports them";
}

TEST(StaticDiscovery, AcceptsAPortWrittenAsText) {
  FakeHost host("discovery-static", settings(R"([{"name":"node-b","host":"h","port":"3100"}])"));
  PluginHarness plugin(&rivet_plugin_entry, host);
  plugin.create();
  plugin.start();
  ASSERT_EQ(host.peersSeen.size(), 1u);
  EXPECT_EQ(parseArray(host.peersSeen[0])->getObject(0)->getValue<int>("port"), 3100);
}

TEST(StaticDiscovery, ReportsNothingWhenOnlyThisNodeIsListed) {
  FakeHost host("discovery-static", settings(R"([{"name":"node-a","host":"10.0.0.1"}])"));
  PluginHarness plugin(&rivet_plugin_entry, host);
  plugin.create();
  plugin.start();
  EXPECT_TRUE(host.peersSeen.empty());
}

TEST(StaticDiscovery, RefusesMissingOrEmptyPeersNamingTheKey) {
  EXPECT_NE(refusal(settings("")).find("mesh.peers"), std::string::npos) << refusal(settings(""));
  EXPECT_NE(refusal(settings("[]")).find("mesh.peers"), std::string::npos);
  EXPECT_NE(refusal(settings("{}")).find("mesh.peers"), std::string::npos);
}

TEST(StaticDiscovery, RefusesAPeerWithoutNameOrHostNamingTheEntry) {
  const std::string noHost = refusal(settings(R"([{"name":"b","host":"h"},{"name":"c"}])"));
  EXPECT_NE(noHost.find("mesh.peers[1]"), std::string::npos) << noHost;
  EXPECT_NE(noHost.find("host"), std::string::npos) << noHost;
  const std::string noName = refusal(settings(R"([{"host":"10.0.0.2"}])"));
  EXPECT_NE(noName.find("mesh.peers[0]"), std::string::npos) << noName;
  const std::string notAMap = refusal(settings(R"(["node-b"])"));
  EXPECT_NE(notAMap.find("mesh.peers[0]"), std::string::npos) << notAMap;
}

TEST(StaticDiscovery, RefusesAnInvalidPortOrATwiceListedName) {
  const std::string badPort = refusal(settings(R"([{"name":"b","host":"h","port":70000}])"));
  EXPECT_NE(badPort.find("mesh.peers[0].port"), std::string::npos) << badPort;
  const std::string twice =
      refusal(settings(R"([{"name":"b","host":"h1"},{"name":"b","host":"h2"}])"));
  EXPECT_NE(twice.find("mesh.peers[1].name"), std::string::npos) << twice;
}
