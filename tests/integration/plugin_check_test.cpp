// Broken and good plugin files seen by the real programs: `rivetctl plugin check` and a rivetd
// whose agents folder holds them. Broken files are skipped unless an `agents:` entry needs them.
#include "TestSupport.hpp"

#include <filesystem>
#include <ostream>
#include <sstream>
#include <sys/stat.h>
#include <vector>

#include <gtest/gtest.h>

using namespace rivet::test;

namespace {

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    out.push_back(line);
  return out;
}

// The log lines of `log` that contain every one of `parts`.
std::vector<std::string> linesWith(const std::string& log, const std::vector<std::string>& parts) {
  std::vector<std::string> found;
  for (const auto& line : lines(log)) {
    bool all = true;
    for (const auto& p : parts)
      all = all && contains(line, p);
    if (all)
      found.push_back(line);
  }
  return found;
}

// A folder of agent plugins: copies of fixture files.
std::string agentsFolder(const TempDir& dir, const std::vector<std::string>& fixtures) {
  std::string folder = dir.file("agents");
  std::filesystem::create_directories(folder);
  for (const auto& f : fixtures)
    std::filesystem::copy_file(fixturePath(f), folder + "/" + f);
  return folder;
}

std::string writeConfig(const TempDir& dir, const std::string& agentsDir,
                        const std::string& agentsSection = "") {
  std::string path = dir.file("rivet.yaml");
  writeFile(path, "mesh:\n  node_name: t\n  storage_dir: " + dir.file("storage") +
                      "\n  state_dir: " + dir.file("state") + "\nplugins:\n  dir: " + pluginDir() +
                      "\n  agents_dir: " + agentsDir + "\n" + agentsSection);
  return path;
}

} // namespace

// --- rivetctl plugin check --------------------------------------------------------------------

TEST(PluginCheck, GoodPlainCPluginPrintsItsDeclarationAndOk) {
  auto r = run({binPath("rivetctl"), "plugin", "check", fixturePath("c-upper.so")});
  EXPECT_EQ(r.exitCode, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "name:        c-upper\n")) << r.out;
  EXPECT_TRUE(contains(r.out, "kind:        agent\n")) << r.out;
  EXPECT_TRUE(contains(r.out, "abi:         1.6 ")) << r.out;
  EXPECT_TRUE(contains(r.out, "version:     1.0.0\n")) << r.out;
  EXPECT_TRUE(contains(r.out, "\nOK\n")) << r.out;
  EXPECT_EQ(r.err, "");
}

struct BrokenFile {
  std::string file;
  std::string reason; // a phrase unique to this failure
};

// Shows the file, not the bytes of the struct, in test names and failures.
void PrintTo(const BrokenFile& broken, std::ostream* os) {
  *os << broken.file;
}

class PluginCheckRefuses : public ::testing::TestWithParam<BrokenFile> {};

TEST_P(PluginCheckRefuses, WithOneLineOnStderrNamingTheFileAndTheReason) {
  const auto& broken = GetParam();
  auto path = fixturePath(broken.file);
  auto r = run({binPath("rivetctl"), "plugin", "check", path});
  EXPECT_EQ(r.exitCode, 1) << r.out << r.err;
  EXPECT_EQ(r.out, "");
  ASSERT_EQ(lines(r.err).size(), 1u) << r.err;
  EXPECT_EQ(r.err.rfind("rivetctl: ", 0), 0u) << r.err;
  EXPECT_TRUE(contains(r.err, path)) << r.err;
  EXPECT_TRUE(contains(r.err, broken.reason)) << r.err;
}

INSTANTIATE_TEST_SUITE_P(
    PluginCheck, PluginCheckRefuses,
    ::testing::Values(BrokenFile{"no-such-plugin.so", "No such file or directory"},
                      BrokenFile{"text-file.so", "is not a shared object"},
                      BrokenFile{"random-bytes.so", "is not a shared object"},
                      BrokenFile{"undefined-symbol.so", "undefined symbol"},
                      BrokenFile{"no-entry.so", "has no entry point"},
                      BrokenFile{"entry-null.so", "returned no descriptor"},
                      BrokenFile{"entry-throws.so", "boom in entry"},
                      BrokenFile{"bad-magic.so", "bad magic"},
                      BrokenFile{"small-descriptor.so", "has a descriptor of"},
                      BrokenFile{"abi-2-0.so", "built for plugin ABI 2.0"},
                      BrokenFile{"abi-1-9.so", "built for plugin ABI 1.9"},
                      BrokenFile{"unknown-kind.so", "unknown plugin kind 7"},
                      BrokenFile{"bad-name.so", "invalid plugin name 'Bad Name'"},
                      BrokenFile{"truncated.so", "is truncated: segment "},
                      BrokenFile{"flipped-bytes.so", "crashed the plugin probe with SIGSEGV"},
                      BrokenFile{"zero-length.so", "is empty (0 bytes)"},
                      BrokenFile{"other-arch.so", "was built for "}),
    [](const ::testing::TestParamInfo<BrokenFile>& info) {
      std::string name = info.param.file.substr(0, info.param.file.find(".so"));
      for (char& c : name)
        if (c == '-')
          c = '_';
      return name;
    });

// Things named x.so that are not plugin files, made in a temporary folder.
TEST(PluginCheck, DirectoryFifoDanglingSymlinkAndHugeFileEachExitOneWithOneLine) {
  TempDir dir;
  std::filesystem::create_directory(dir.file("dir.so"));
  ASSERT_EQ(mkfifo(dir.file("fifo.so").c_str(), 0600), 0);
  std::filesystem::create_symlink(dir.file("nowhere.so"), dir.file("dangling.so"));
  std::filesystem::copy_file(fixturePath("c-upper.so"), dir.file("huge.so"));
  std::filesystem::resize_file(dir.file("huge.so"), uint64_t{2} << 30); // sparse
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"dir.so", "it is a directory"},
      {"fifo.so", "it is a FIFO"},
      {"dangling.so", "No such file or directory"},
      {"huge.so", "the file has 2147483648 bytes, more than the 512 MiB"}};
  for (const auto& [file, reason] : cases) {
    auto r =
        run({binPath("rivetctl"), "plugin", "check", dir.file(file)}, {}, std::chrono::seconds(10));
    EXPECT_EQ(r.exitCode, 1) << file << ": " << r.err;
    ASSERT_EQ(lines(r.err).size(), 1u) << r.err;
    EXPECT_TRUE(contains(r.err, "rivetctl: could not load '" + dir.file(file) + "': " + reason))
        << r.err;
  }
}

TEST(PluginCheck, SymlinkToAGoodPluginIsCheckedAsItsTarget) {
  TempDir dir;
  std::filesystem::create_symlink(fixturePath("c-upper.so"), dir.file("link.so"));
  auto r = run({binPath("rivetctl"), "plugin", "check", dir.file("link.so")});
  EXPECT_EQ(r.exitCode, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "name:        c-upper\n")) << r.out;
}

TEST(PluginCheck, SettingsThePluginRefusesPrintItsReasonOnOneLine) {
  auto path = fixturePath("needs-api-key.so");
  auto r =
      run({binPath("rivetctl"), "plugin", "check", path, "--settings", "{}", "--agent", "keyed"});
  EXPECT_EQ(r.exitCode, 1) << r.out << r.err;
  EXPECT_EQ(r.out, "");
  ASSERT_EQ(lines(r.err).size(), 1u) << r.err;
  EXPECT_TRUE(contains(r.err, "rivetctl: agent 'keyed' (plugin 'needs-api-key', " + path +
                                  ") refused to create with these settings: needs an api_key"))
      << r.err;
}

TEST(PluginCheck, SettingsFromAConfiguredAgentAreGivenToCreate) {
  TempDir dir;
  auto config = writeConfig(dir, dir.path(),
                            "agents:\n  keyed:\n    plugin: needs-api-key\n"
                            "    api_key: secret\n");
  auto r = run({binPath("rivetctl"), "plugin", "check", fixturePath("needs-api-key.so"), "--config",
                config, "--agent", "keyed"});
  EXPECT_EQ(r.exitCode, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "create:      accepted these settings as agent 'keyed'\n")) << r.out;
  EXPECT_TRUE(contains(r.out, "\nOK\n")) << r.out;
}

TEST(PluginCheck, CreateThatThrowsIsReportedNotFatal) {
  auto r = run({binPath("rivetctl"), "plugin", "check", fixturePath("create-throws.so"),
                "--settings", "{}"});
  EXPECT_EQ(r.exitCode, 1) << r.err;
  EXPECT_TRUE(contains(r.err, "threw a C++ exception across the plugin ABI in create()")) << r.err;
}

// --- rivetd with an agents folder -------------------------------------------------------------

TEST(PluginFolder, DaemonStartsWithTheGoodAgentAndSkipsEachBrokenFileWithAWarning) {
  TempDir dir;
  const std::vector<std::string> broken = {"bad-magic.so", "entry-throws.so", "text-file.so"};
  auto folder =
      agentsFolder(dir, {"c-upper.so", "bad-magic.so", "entry-throws.so", "text-file.so"});
  Process p({binPath("rivetd"), "--config", writeConfig(dir, folder)});
  ASSERT_TRUE(p.waitForOutput("Node t ready:")) << p.output();
  auto log = p.output();
  EXPECT_TRUE(contains(log, "Agent c-upper ready (plugin c-upper, provider c, model upper-1)"))
      << log;
  for (const auto& file : broken)
    EXPECT_EQ(linesWith(log, {"WARN", "skipping", folder + "/" + file}).size(), 1u) << file << "\n"
                                                                                    << log;
  EXPECT_EQ(p.stop(), 0) << p.output();
}

TEST(PluginFolder, DaemonSkipsFilesThatWouldCrashDlopenAndStartsTheGoodAgent) {
  TempDir dir;
  auto folder = agentsFolder(
      dir, {"c-upper.so", "truncated.so", "flipped-bytes.so", "zero-length.so", "other-arch.so"});
  Process p({binPath("rivetd"), "--config", writeConfig(dir, folder)});
  ASSERT_TRUE(p.waitForOutput("Node t ready:")) << p.output();
  auto log = p.output();
  EXPECT_TRUE(contains(log, "Agent c-upper ready")) << log;
  for (const std::string file :
       {"truncated.so", "flipped-bytes.so", "zero-length.so", "other-arch.so"})
    EXPECT_EQ(linesWith(log, {"WARN", "skipping", folder + "/" + file}).size(), 1u) << file << "\n"
                                                                                    << log;
  EXPECT_EQ(p.stop(), 0) << p.output();
}

TEST(PluginFolder, AgentThatNeedsSettingsIsNotStartedWithoutAnAgentsEntry) {
  TempDir dir;
  auto folder = agentsFolder(dir, {"c-upper.so", "needs-api-key.so"});
  Process p({binPath("rivetd"), "--config", writeConfig(dir, folder)});
  ASSERT_TRUE(p.waitForOutput("Node t ready:")) << p.output();
  auto log = p.output();
  EXPECT_TRUE(contains(log, "Agent c-upper ready")) << log;
  EXPECT_FALSE(contains(log, "Agent needs-api-key ready")) << log;
  EXPECT_EQ(
      linesWith(log, {"not starting agent plugin 'needs-api-key'", "needs an api_key"}).size(), 1u)
      << log;
  EXPECT_EQ(p.stop(), 0) << p.output();
}

TEST(PluginFolder, ConfiguredAgentWithABrokenPluginStopsStartUpWithTheLoadersMessage) {
  TempDir dir;
  auto folder = agentsFolder(dir, {"c-upper.so", "bad-magic.so"});
  auto r = run({binPath("rivetd"), "--config",
                writeConfig(dir, folder, "agents:\n  broken:\n    plugin: bad-magic\n")});
  EXPECT_EQ(r.exitCode, 78) << r.err;
  EXPECT_TRUE(contains(r.err, "agents.broken.plugin")) << r.err;
  EXPECT_TRUE(contains(r.err, folder + "/bad-magic.so' returned a descriptor with bad magic"))
      << r.err;
}

TEST(PluginFolder, ConfiguredAgentWhosePluginRefusesToCreateStopsStartUpWithItsReason) {
  TempDir dir;
  auto folder = agentsFolder(dir, {"needs-api-key.so"});
  auto r = run({binPath("rivetd"), "--config",
                writeConfig(dir, folder, "agents:\n  keyed:\n    plugin: needs-api-key\n")});
  EXPECT_EQ(r.exitCode, 78) << r.err;
  EXPECT_TRUE(contains(r.err, "needs an api_key setting")) << r.err;
  EXPECT_TRUE(contains(r.err, folder + "/needs-api-key.so")) << r.err;
}
