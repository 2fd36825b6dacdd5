// Every shipped configuration file (config/rivet.yaml, config/examples/*.yaml) loads without
// error or warning, and says what it promises.
#include "config/ConfigLoader.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

using namespace rivet::config;

namespace {

std::string shipped(const std::string& relative) {
  return std::string(RIVET_SOURCE_DIR) + "/" + relative;
}

LoadResult loadShipped(const std::string& relative) {
  return loadConfigText(
      [&] {
        std::ifstream in(shipped(relative));
        std::stringstream s;
        s << in.rdbuf();
        return s.str();
      }(),
      shipped(relative), [](const std::string&) { return std::optional<std::string>(); });
}

} // namespace

TEST(ConfigFiles, EveryShippedFileLoadsWithoutWarnings) {
  namespace fs = std::filesystem;
  std::vector<std::string> files = {"config/rivet.yaml"};
  for (const auto& entry : fs::directory_iterator(shipped("config/examples"))) {
    if (entry.path().extension() == ".yaml")
      files.push_back("config/examples/" + entry.path().filename().string());
  }
  EXPECT_GE(files.size(), 5u);
  for (const auto& f : files) {
    SCOPED_TRACE(f);
    try {
      auto r = loadConfigFile(shipped(f));
      EXPECT_TRUE(r.warnings.empty()) << r.warnings.front();
    } catch (const ConfigError& e) {
      ADD_FAILURE() << e.what();
    }
  }
}

TEST(ConfigFiles, RivetYamlRunsAnywhereWithEchoAgent) {
  auto c = loadShipped("config/rivet.yaml").config;
  EXPECT_FALSE(c.mesh.enabled);
  ASSERT_EQ(c.agents.size(), 1u);
  EXPECT_EQ(c.agents[0].id, "echo");
  EXPECT_EQ(c.agents[0].plugin, "echo");
}

TEST(ConfigFiles, DevYamlIsTheDevelopmentNode) {
  auto c = loadShipped("config/examples/dev.yaml").config;
  EXPECT_TRUE(c.mesh.enabled);
  EXPECT_EQ(c.mesh.listenHost, "127.0.0.1"); // a development node is never reachable from outside
  EXPECT_EQ(c.mesh.tls.certPath, shipped("var/ca/issued/dev.crt"));
  EXPECT_EQ(c.mesh.nodeName, "dev");
  EXPECT_EQ(c.mesh.storageDir, shipped("var/dev"));
  EXPECT_EQ(c.log.level, "info");
  ASSERT_EQ(c.agents.size(), 1u);
  EXPECT_EQ(c.agents[0].plugin, "echo");
}

TEST(ConfigFiles, DiscoveryExamplesEnableTheMeshWithTheirMode) {
  for (const char* mode : {"static", "seed", "mdns"}) {
    SCOPED_TRACE(mode);
    auto c = loadShipped(std::string("config/examples/") + mode + ".yaml").config;
    EXPECT_TRUE(c.mesh.enabled);
    EXPECT_TRUE(c.mesh.tlsConfigured);
    EXPECT_EQ(c.mesh.discovery.mode, mode);
    EXPECT_EQ(c.mesh.tls.caPath, shipped("var/ca/intermediate/ca-chain.pem"));
    ASSERT_FALSE(c.agents.empty());
    EXPECT_EQ(c.agents[0].plugin, "echo");
  }
}
