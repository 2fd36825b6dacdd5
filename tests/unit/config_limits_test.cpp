// What one configuration document may cost to read: at most 1 MiB, and at most 100000 YAML
// nodes once aliases are expanded, so that a "billion laughs" file fails at once.
#include "config/ConfigLoader.hpp"

#include "TestSupport.hpp"

#include <gtest/gtest.h>

#include <chrono>

#include <sys/stat.h>

using namespace rivet::config;
using rivet::test::TempDir;
using rivet::test::writeFile;

namespace {

EnvLookup noEnv() {
  return [](const std::string&) { return std::optional<std::string>(); };
}

std::string errorOf(const std::string& yaml) {
  try {
    loadConfigText(yaml, "rivet.yaml", noEnv());
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "(no error)";
}

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// Ten levels of ten aliases each under an agent's settings: 10^10 nodes once expanded.
std::string billionLaughs() {
  std::string yaml = "agents:\n  echo:\n    plugin: echo\n    a0: &a0 [lol, lol, lol, lol, lol, "
                     "lol, lol, lol, lol, lol]\n";
  for (int i = 1; i < 10; ++i) {
    yaml += "    a" + std::to_string(i) + ": &a" + std::to_string(i) + " [";
    for (int j = 0; j < 10; ++j)
      yaml += (j ? ", *a" : "*a") + std::to_string(i - 1);
    yaml += "]\n";
  }
  return yaml;
}

} // namespace

TEST(ConfigLimits, BillionLaughsFailsWithinASecondNamingFileAndLimit) {
  auto started = std::chrono::steady_clock::now();
  std::string error = errorOf(billionLaughs());
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(1));
  EXPECT_TRUE(has(error, "rivet.yaml: too many YAML nodes after alias expansion (more than "
                         "100000); the configuration must not use aliases this way."))
      << error;
}

TEST(ConfigLimits, AliasesUnderTheLimitStillWork) {
  auto r = loadConfigText("agents:\n  a:\n    plugin: echo\n    tags: &t [x, y]\n"
                          "  b:\n    plugin: echo\n    tags: *t\n",
                          "rivet.yaml", noEnv());
  ASSERT_EQ(r.config.agents.size(), 2u);
  EXPECT_EQ(r.config.agents[1].settingsJson, R"({"tags":["x","y"]})");
}

TEST(ConfigLimits, DocumentLargerThanOneMebibyteIsRefused) {
  std::string yaml = "# " + std::string(1024 * 1024, 'x') + "\nmesh: {}\n";
  std::string error = errorOf(yaml);
  EXPECT_TRUE(has(error, "rivet.yaml: the configuration is larger than 1 MiB")) << error;
  EXPECT_TRUE(has(error, "--config")) << error;
}

TEST(ConfigLimits, EndlessFileIsRefusedAfterOneMebibyte) {
  try {
    loadConfigFile("/dev/zero");
    FAIL() << "/dev/zero loaded";
  } catch (const ConfigError& e) {
    EXPECT_TRUE(has(e.what(), "/dev/zero: the configuration is larger than 1 MiB")) << e.what();
  }
}

TEST(ConfigLimits, FileOfExactlyOneMebibyteLoads) {
  TempDir dir;
  std::string yaml = "mesh: {}\n# ";
  yaml += std::string(1024 * 1024 - yaml.size() - 1, 'x') + "\n";
  writeFile(dir.file("rivet.yaml"), yaml);
  EXPECT_NO_THROW(loadConfigFile(dir.file("rivet.yaml")));
}

TEST(ConfigLimits, AFifoAsTheConfigurationIsRefusedAtOnceNotWaitedOn) {
  rivet::test::TempDir dir;
  const std::string fifo = dir.file("rivet.yaml");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  try {
    loadConfigFile(fifo); // nobody writes to it: a read would block forever
    FAIL() << "a FIFO loaded";
  } catch (const ConfigError& e) {
    EXPECT_TRUE(has(e.what(), fifo + ": cannot read the configuration file: it is a FIFO"))
        << e.what();
  }
}
