// ${VAR} substitution in string values: replaced from the environment, unset is an error,
// $${ is a literal ${; values that are not strings (numbers, booleans) are not substituted.
#include "config/ConfigLoader.hpp"
#include "config/EnvSubstitution.hpp"

#include <gtest/gtest.h>

#include <map>

using namespace rivet::config;

namespace {

EnvLookup envOf(std::map<std::string, std::string> vars) {
  return [vars](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end())
      return std::nullopt;
    return it->second;
  };
}

std::string errorOf(const std::string& yaml, const EnvLookup& env = envOf({})) {
  try {
    loadConfigText(yaml, "rivet.yaml", env);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "(no error)";
}

} // namespace

TEST(ConfigEnv, ReplacesVariablesInStringValues) {
  auto c = loadConfigText("mesh:\n  node_name: ${NODE}\n  advertise_host: \"${IP}\"\n"
                          "  storage_dir: /data/${NODE}/reg\n",
                          "rivet.yaml", envOf({{"NODE", "node-a"}, {"IP", "10.0.0.5"}}))
               .config;
  EXPECT_EQ(c.mesh.nodeName, "node-a");
  EXPECT_EQ(c.mesh.advertiseHost, "10.0.0.5");
  EXPECT_EQ(c.mesh.storageDir, "/data/node-a/reg");
}

TEST(ConfigEnv, RejectsUnsetVariableNamingVariableAndKey) {
  std::string e = errorOf("mesh:\n  node_name: ${NODE}\n");
  EXPECT_EQ(e, "rivet.yaml:2:14: mesh.node_name: environment variable NODE is not set. Set NODE in "
               "rivetd's environment, or write the value directly (write $${ for a literal ${).");
}

TEST(ConfigEnv, DoubleDollarIsLiteral) {
  auto c =
      loadConfigText("log:\n  file: /var/log/$${NOT_A_VAR}.log\n", "rivet.yaml", envOf({})).config;
  EXPECT_EQ(c.log.file, "/var/log/${NOT_A_VAR}.log");
}

TEST(ConfigEnv, ValidatesTheSubstitutedValue) {
  std::string e = errorOf("mesh:\n  advertise_host: ${H}\n", envOf({{"H", "a;b"}}));
  EXPECT_NE(e.find("shell-unsafe"), std::string::npos) << e;
}

TEST(ConfigEnv, NumbersAreNotSubstituted) {
  std::string e = errorOf("mesh:\n  agent_channel_port: ${PORT}\n", envOf({{"PORT", "3001"}}));
  EXPECT_NE(e.find("mesh.agent_channel_port: expected a whole number"), std::string::npos) << e;
}

TEST(EnvSubstitution, ReplacesSeveralAndKeepsLoneDollars) {
  auto s = substituteEnv("$a ${X}-${Y} $", envOf({{"X", "1"}, {"Y", "2"}}));
  EXPECT_EQ(s.error, "");
  EXPECT_EQ(s.value, "$a 1-2 $");
}

TEST(EnvSubstitution, EmptyValueIsSet) {
  auto s = substituteEnv("a${E}b", envOf({{"E", ""}}));
  EXPECT_EQ(s.error, "");
  EXPECT_EQ(s.value, "ab");
}

TEST(EnvSubstitution, ReportsUnterminatedAndInvalidNames) {
  EXPECT_NE(substituteEnv("${X", envOf({})).error.find("without a closing"), std::string::npos);
  EXPECT_NE(substituteEnv("${1X}", envOf({})).error.find("not a valid variable"),
            std::string::npos);
  EXPECT_NE(substituteEnv("${X:-d}", envOf({})).error.find("not a valid variable"),
            std::string::npos);
}

TEST(EnvSubstitution, ReportsUnsetVariableByName) {
  auto s = substituteEnv("${MISSING}", envOf({}));
  EXPECT_EQ(s.variable, "MISSING");
  EXPECT_EQ(s.error, "environment variable MISSING is not set");
}

TEST(EnvSubstitution, SubstitutedTextIsNotScannedAgain) {
  auto s = substituteEnv("${A}", envOf({{"A", "${B}"}}));
  EXPECT_EQ(s.value, "${B}");
}
