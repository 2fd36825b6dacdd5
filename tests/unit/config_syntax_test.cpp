// File-level failures: YAML syntax errors with 1-based line:col, a missing or unreadable file,
// a top level that is not a map.
#include "config/ConfigLoader.hpp"

#include "TestSupport.hpp"

#include <gtest/gtest.h>

using namespace rivet::config;
using rivet::test::TempDir;
using rivet::test::writeFile;

namespace {

std::string errorOf(const std::string& yaml) {
  try {
    loadConfigText(yaml, "rivet.yaml",
                   [](const std::string&) { return std::optional<std::string>(); });
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "(no error)";
}

std::string fileErrorOf(const std::string& path) {
  try {
    loadConfigFile(path);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "(no error)";
}

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

} // namespace

TEST(ConfigSyntax, ReportsYamlSyntaxErrorWithOneBasedLineAndColumn) {
  // yaml-cpp reports this at 0-based line 1, column 1.
  std::string e = errorOf("a: [1, 2\nb: 3\n");
  EXPECT_EQ(e, "rivet.yaml:2:2: YAML syntax error: end of sequence flow not found. Fix the YAML "
               "at that position (check indentation, colons and quotes).");
}

TEST(ConfigSyntax, ReportsBadMappingWithPosition) {
  std::string e = errorOf("mesh:\n  enabled: false\n  port: a: b\n");
  EXPECT_TRUE(has(e, "rivet.yaml:3:")) << e;
  EXPECT_TRUE(has(e, "YAML syntax error:")) << e;
}

TEST(ConfigSyntax, RejectsMissingFileNamingPathAndConfigOption) {
  TempDir dir;
  std::string e = fileErrorOf(dir.file("nope.yaml"));
  EXPECT_EQ(e, dir.file("nope.yaml") + ": cannot read the configuration file: No such file or "
                                       "directory. Pass --config <file> with the path of your "
                                       "rivet.yaml.");
}

TEST(ConfigSyntax, RejectsFolderGivenAsFile) {
  TempDir dir;
  std::string e = fileErrorOf(dir.path());
  EXPECT_TRUE(has(e, dir.path() + ": cannot read the configuration file: it is a folder")) << e;
  EXPECT_TRUE(has(e, "--config")) << e;
}

TEST(ConfigSyntax, EmptyFileLoads) {
  TempDir dir;
  writeFile(dir.file("rivet.yaml"), "");
  auto r = loadConfigFile(dir.file("rivet.yaml"));
  EXPECT_EQ(r.config.mesh.agentChannelPort, 3000);
  EXPECT_TRUE(r.warnings.empty());
}

TEST(ConfigSyntax, RejectsTopLevelThatIsNotAMap) {
  std::string e = errorOf("- mesh\n- agents\n");
  EXPECT_TRUE(has(e, "rivet.yaml:1:1: the top level must be a map of sections")) << e;
  EXPECT_TRUE(has(e, "found a list")) << e;
  EXPECT_TRUE(has(errorOf("just text\n"), "the top level must be a map"));
}

TEST(ConfigSyntax, UsesThePathAsGivenInMessages) {
  try {
    loadConfigText("mesh: {agent_channel_port: x}\n", "config/examples/dev.yaml",
                   [](const std::string&) { return std::optional<std::string>(); });
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_EQ(std::string(e.what()).rfind("config/examples/dev.yaml:1:", 0), 0u) << e.what();
  }
}
