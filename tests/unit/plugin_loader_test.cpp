// The plugin loader, catalog and instance guards against the fixture plugins of tests/plugins/:
// every way a plugin file can be broken is refused with its own reason and the file's path.
#include "TestSupport.hpp"

#include "plugin/AgentFactory.hpp"
#include "plugin/PluginCatalog.hpp"
#include "plugin/PluginInstance.hpp"
#include "plugin/PluginLoader.hpp"
#include "plugin/PrivateCopies.hpp"

#include <atomic>
#include <cstddef>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <sys/stat.h>
#include <unistd.h>

#include "StubHostServices.hpp"

#include <gtest/gtest.h>

using namespace rivet;
using rivet::test::contains;
using rivet::test::fixturePath;

namespace {

using rivet::test::StubHostServices;

// The LoadError message for `path`; fails the test if the file loads.
std::string refusalOf(const std::string& path) {
  try {
    plugin::loadPlugin(path);
  } catch (const plugin::LoadError& e) {
    return e.what();
  }
  ADD_FAILURE() << path << " loaded, but the loader should have refused it";
  return "";
}

// The InstanceError message of creating one instance of the fixture `file`.
std::string createFailureOf(const std::string& file, const std::string& settingsJson = "{}") {
  StubHostServices services;
  plugin::PluginInstance instance(plugin::loadPlugin(fixturePath(file)), services, "under-test",
                                  "Test", settingsJson);
  try {
    instance.create();
  } catch (const plugin::InstanceError& e) {
    return e.what();
  }
  ADD_FAILURE() << file << " created an instance, but should have failed";
  return "";
}

plugin::TaskOutput runTask(const plugin::AgentInstance& agent, const std::string& text) {
  plugin::TaskContext task;
  task.fromAgent = "unit-test";
  task.startClock(120000);
  return agent.handle(task, text, "");
}

} // namespace

// --- files that are not plugins ----------------------------------------------------------------

TEST(PluginLoader, MissingFileIsRefusedNamingThePathAndTheSetting) {
  auto path = fixturePath("no-such-plugin.so");
  auto message = refusalOf(path);
  EXPECT_PRED2(contains, message, path);
  EXPECT_PRED2(contains, message, "No such file or directory");
  EXPECT_PRED2(contains, message, "plugins.dir");
}

TEST(PluginLoader, TextFileIsRefusedAsNotASharedObject) {
  auto path = fixturePath("text-file.so");
  auto message = refusalOf(path);
  EXPECT_PRED2(contains, message, path);
  EXPECT_PRED2(contains, message, "is not a shared object (no ELF header)");
}

TEST(PluginLoader, RandomBytesAreRefusedAsNotASharedObject) {
  auto path = fixturePath("random-bytes.so");
  auto message = refusalOf(path);
  EXPECT_PRED2(contains, message, path);
  EXPECT_PRED2(contains, message, "is not a shared object (no ELF header)");
}

TEST(PluginLoader, UnresolvableSymbolIsRefusedByDlopenNamingTheSymbol) {
  auto path = fixturePath("undefined-symbol.so");
  auto message = refusalOf(path);
  EXPECT_PRED2(contains, message, path);
  EXPECT_PRED2(contains, message, "undefined symbol: rivet_fixture_function_nobody_defines");
  EXPECT_PRED2(contains, message, "-z defs");
}

// --- the entry point --------------------------------------------------------------------------

TEST(PluginLoader, SharedObjectWithoutEntryPointIsRefusedAsNotAPlugin) {
  auto path = fixturePath("no-entry.so");
  auto message = refusalOf(path);
  EXPECT_PRED2(contains, message, path);
  EXPECT_PRED2(contains, message, "has no entry point 'rivet_plugin_entry'");
}

TEST(PluginLoader, EntryReturningNullIsReportedAsThePluginRefusingThisHost) {
  auto path = fixturePath("entry-null.so");
  auto message = refusalOf(path);
  EXPECT_PRED2(contains, message, path);
  EXPECT_PRED2(contains, message, "returned no descriptor");
  EXPECT_PRED2(contains, message, "the plugin refused this rivetd");
}

TEST(PluginLoader, ExceptionThrownByTheEntryPointIsCaughtAndQuoted) {
  auto path = fixturePath("entry-throws.so");
  auto message = refusalOf(path);
  EXPECT_PRED2(contains, message, path);
  EXPECT_PRED2(contains, message, "threw a C++ exception out of rivet_plugin_entry");
  EXPECT_PRED2(contains, message, "boom in entry");
}

// --- the descriptor ---------------------------------------------------------------------------

TEST(PluginLoader, BadMagicIsRefusedShowingTheMagicFound) {
  auto path = fixturePath("bad-magic.so");
  auto message = refusalOf(path);
  EXPECT_PRED2(contains, message, path);
  EXPECT_PRED2(contains, message, "bad magic 0xDEADBEEF");
}

TEST(PluginLoader, DescriptorSmallerThanAbi10IsRefusedWithBothSizes) {
  auto path = fixturePath("small-descriptor.so");
  auto message = refusalOf(path);
  auto declared = offsetof(rivet_plugin_descriptor, ops);
  EXPECT_PRED2(contains, message, path);
  EXPECT_PRED2(contains, message, "has a descriptor of " + std::to_string(declared) + " bytes");
  EXPECT_PRED2(contains, message,
               "needs at least " + std::to_string(sizeof(rivet_plugin_descriptor)));
}

TEST(PluginLoader, OtherAbiMajorIsRefusedNamingBothVersions) {
  auto path = fixturePath("abi-2-0.so");
  auto message = refusalOf(path);
  EXPECT_PRED2(contains, message, path);
  EXPECT_PRED2(contains, message, "was built for plugin ABI 2.0");
  EXPECT_PRED2(contains, message, "this rivetd supports " + plugin::hostAbiRange());
}

TEST(PluginLoader, AbiMinorNewerThanTheHostIsRefusedNamingBothVersions) {
  auto path = fixturePath("abi-1-9.so");
  auto message = refusalOf(path);
  EXPECT_PRED2(contains, message, path);
  EXPECT_PRED2(contains, message, "was built for plugin ABI 1.9");
  EXPECT_PRED2(contains, message, "this rivetd supports " + plugin::hostAbiRange());
}

TEST(PluginLoader, UnknownKindIsRefusedListingTheKnownKinds) {
  auto path = fixturePath("unknown-kind.so");
  auto message = refusalOf(path);
  EXPECT_PRED2(contains, message, path);
  EXPECT_PRED2(contains, message, "unknown plugin kind 7");
  EXPECT_PRED2(contains, message, "agent=3");
}

TEST(PluginLoader, InvalidNameIsRefusedQuotingTheNameAndTheRule) {
  auto path = fixturePath("bad-name.so");
  auto message = refusalOf(path);
  EXPECT_PRED2(contains, message, path);
  EXPECT_PRED2(contains, message, "invalid plugin name 'Bad Name'");
  EXPECT_PRED2(contains, message, "[a-z0-9-]+");
}

TEST(PluginLoader, EveryKindOfBrokenFileHasItsOwnReason) {
  const std::vector<std::string> broken = {
      "no-such-plugin.so", "text-file.so",    "undefined-symbol.so", "no-entry.so",
      "entry-null.so",     "entry-throws.so", "bad-magic.so",        "small-descriptor.so",
      "abi-2-0.so",        "abi-1-9.so",      "unknown-kind.so",     "bad-name.so"};
  std::set<std::string> reasons;
  for (const auto& file : broken) {
    auto path = fixturePath(file);
    auto reason = refusalOf(path);
    for (auto at = reason.find(path); at != std::string::npos; at = reason.find(path))
      reason.replace(at, path.size(), "FILE");
    reasons.insert(reason);
  }
  EXPECT_EQ(reasons.size(), broken.size());
}

// --- good plugins -----------------------------------------------------------------------------

TEST(PluginLoader, PlainCPluginLoadsWithItsDeclaration) {
  auto p = plugin::loadPlugin(fixturePath("c-upper.so"));
  EXPECT_EQ(p->path, fixturePath("c-upper.so"));
  EXPECT_EQ(p->name(), "c-upper");
  EXPECT_EQ(p->kind(), RIVET_KIND_AGENT);
  EXPECT_EQ(p->abiVersion(), "1.6");
  EXPECT_EQ(p->version(), "1.0.0");
  EXPECT_PRED2(contains, p->description(), "upper-cased");
}

TEST(PluginLoader, AFileRefusedOnceIsRefusedAgainTheSameWay) {
  auto first = refusalOf(fixturePath("bad-magic.so"));
  EXPECT_EQ(refusalOf(fixturePath("bad-magic.so")), first);
}

// --- duplicate names --------------------------------------------------------------------------

TEST(PluginCatalog, EachOfTwoFilesWithTheSameNameLoadsAlone) {
  EXPECT_EQ(plugin::loadPlugin(fixturePath("dup-agent-a.so"))->name(), "dup-agent");
  EXPECT_EQ(plugin::loadPlugin(fixturePath("dup-agent-b.so"))->name(), "dup-agent");
}

TEST(PluginCatalog, SecondFileWithATakenNameIsRefusedNamingBothFiles) {
  plugin::PluginCatalog catalog;
  auto first = fixturePath("dup-agent-a.so"), second = fixturePath("dup-agent-b.so");
  ASSERT_NE(catalog.add(first, false), nullptr);
  try {
    catalog.add(second, false);
    FAIL() << second << " was added although " << first << " already provides dup-agent";
  } catch (const plugin::LoadError& e) {
    std::string message = e.what();
    EXPECT_PRED2(contains, message, "declares plugin name 'dup-agent'");
    EXPECT_PRED2(contains, message, "'" + second + "'");
    EXPECT_PRED2(contains, message, "already provided by '" + first + "'");
  }
  EXPECT_EQ(catalog.find("dup-agent")->path, first);
}

// --- instances --------------------------------------------------------------------------------

TEST(PluginInstance, CreateFailureCarriesThePluginsOwnReason) {
  auto message = createFailureOf("needs-api-key.so");
  EXPECT_PRED2(contains, message, "failed to create");
  EXPECT_PRED2(contains, message, "needs an api_key setting");
  EXPECT_PRED2(contains, message, fixturePath("needs-api-key.so"));
}

TEST(PluginInstance, PluginThatRefusedWithoutASettingStartsWithIt) {
  StubHostServices services;
  plugin::PluginInstance instance(plugin::loadPlugin(fixturePath("needs-api-key.so")), services,
                                  "keyed", "Test", R"({"api_key":"k-123"})");
  EXPECT_NO_THROW(instance.create());
  EXPECT_NO_THROW(instance.start());
  EXPECT_NE(instance.instance(), nullptr);
}

TEST(PluginInstance, ExceptionThrownByCreateIsCaughtAndQuoted) {
  auto message = createFailureOf("create-throws.so");
  EXPECT_PRED2(contains, message, "threw a C++ exception across the plugin ABI: boom in create");
  EXPECT_PRED2(contains, message, "in create()");
  EXPECT_PRED2(contains, message, fixturePath("create-throws.so"));
}

// --- agents answering tasks -------------------------------------------------------------------

TEST(PluginAgent, PlainCAgentAnswersUpperCasedAndDescribesItself) {
  StubHostServices services;
  auto agent =
      plugin::createAgent(plugin::loadPlugin(fixturePath("c-upper.so")), services, "upper", "{}");
  EXPECT_EQ(agent->id(), "upper");
  EXPECT_EQ(agent->pluginName(), "c-upper");
  EXPECT_EQ(agent->provider(), "c");
  EXPECT_EQ(agent->model(), "upper-1");
  EXPECT_TRUE(agent->isInline());
  auto out = runTask(*agent, "hello");
  EXPECT_EQ(out.status, RIVET_TASK_COMPLETED);
  EXPECT_EQ(out.text, "HELLO");
  agent->stop();
}

TEST(PluginAgent, PlainCAgentAnswersTextLongerThanItsBuffer) {
  StubHostServices services;
  auto agent =
      plugin::createAgent(plugin::loadPlugin(fixturePath("c-upper.so")), services, "upper", "{}");
  auto out = runTask(*agent, std::string(1000, 'a') + "z");
  EXPECT_EQ(out.status, RIVET_TASK_COMPLETED);
  EXPECT_EQ(out.text, std::string(1000, 'A') + "Z");
}

TEST(PluginAgent, EchoPluginFromThePluginFolderAnswersWithTheTaskText) {
  StubHostServices services;
  auto agent = plugin::createAgent(plugin::loadPlugin(test::pluginDir() + "/echo.so"), services,
                                   "echo", "{}");
  EXPECT_EQ(agent->provider(), "echo");
  auto out = runTask(*agent, "hello");
  EXPECT_EQ(out.status, RIVET_TASK_COMPLETED);
  EXPECT_EQ(out.text, "hello");
}

// --- damaged files: checked before anything maps them, probed in a child process ---------------

TEST(PluginLoader, TruncatedSharedObjectIsRefusedByTheElfChecksBeforeDlopen) {
  auto path = fixturePath("truncated.so");
  auto message = refusalOf(path);
  EXPECT_PRED2(contains, message, "'" + path + "' is truncated: segment ");
  EXPECT_PRED2(contains, message, "copy the complete file again");
}

TEST(PluginLoader, FlippedRelocationBytesCrashOnlyTheProbeNotThisProcess) {
  auto path = fixturePath("flipped-bytes.so");
  auto message = refusalOf(path);
  EXPECT_PRED2(contains, message, "'" + path + "' crashed the plugin probe with SIGSEGV");
  EXPECT_PRED2(contains, message, "rivetd did not load it");
}

TEST(PluginLoader, ZeroLengthFileIsRefusedAsEmpty) {
  auto path = fixturePath("zero-length.so");
  EXPECT_PRED2(contains, refusalOf(path), "'" + path + "' is empty (0 bytes)");
}

TEST(PluginLoader, SharedObjectForAnotherMachineIsRefusedNamingBothMachines) {
  auto message = refusalOf(fixturePath("other-arch.so"));
  EXPECT_PRED2(contains, message, "was built for ");
  EXPECT_PRED2(contains, message, "; this rivetd runs on ");
}

TEST(PluginLoader, DirectoryNamedLikeAPluginIsRefused) {
  test::TempDir dir;
  std::filesystem::create_directory(dir.file("x.so"));
  EXPECT_PRED2(contains, refusalOf(dir.file("x.so")), "it is a directory, not a plugin file");
}

TEST(PluginLoader, FifoNamedLikeAPluginIsRefusedWithoutWaitingForAWriter) {
  test::TempDir dir;
  ASSERT_EQ(mkfifo(dir.file("x.so").c_str(), 0600), 0);
  EXPECT_PRED2(contains, refusalOf(dir.file("x.so")), "it is a FIFO, not a plugin file");
}

TEST(PluginLoader, HugeFileIsRefusedBySizeWithoutBeingCopied) {
  test::TempDir dir;
  std::filesystem::copy_file(fixturePath("c-upper.so"), dir.file("x.so"));
  std::filesystem::resize_file(dir.file("x.so"), plugin::kMaxPluginBytes + 1); // sparse
  EXPECT_PRED2(contains, refusalOf(dir.file("x.so")), "MiB a plugin may have");
}

TEST(PluginLoader, SymlinkIsFollowedAndItsTargetCopied) {
  test::TempDir dir;
  std::filesystem::create_symlink(fixturePath("c-upper.so"), dir.file("link.so"));
  auto p = plugin::loadPlugin(dir.file("link.so"));
  EXPECT_EQ(p->name(), "c-upper");
  EXPECT_EQ(p->path, dir.file("link.so"));
  std::filesystem::create_symlink(dir.file("nowhere.so"), dir.file("dangling.so"));
  EXPECT_PRED2(contains, refusalOf(dir.file("dangling.so")), "No such file or directory");
}

// --- private copies ----------------------------------------------------------------------------

TEST(PluginLoader, LoadedPluginIsMappedFromAPrivateCopyNotFromItsFolder) {
  test::TempDir dir;
  std::filesystem::copy_file(fixturePath("c-upper.so"), dir.file("c-upper.so"));
  auto p = plugin::loadPlugin(dir.file("c-upper.so"));
  EXPECT_NE(p->mappedPath, p->path);
  std::string maps = test::readFile("/proc/self/maps");
  EXPECT_PRED2(contains, maps, p->mappedPath);
  EXPECT_FALSE(contains(maps, dir.file("c-upper.so")));
  struct stat st {};
  ASSERT_EQ(stat(std::filesystem::path(p->mappedPath).parent_path().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u) << "the copies' folder is private";
}

TEST(PluginLoader, PluginOverwrittenInPlaceAfterLoadingKeepsAnswering) {
  test::TempDir dir;
  std::filesystem::copy_file(fixturePath("c-upper.so"), dir.file("c-upper.so"));
  plugin::PrivateCopies copies;
  StubHostServices services;
  auto agent = plugin::createAgent(plugin::loadPlugin(dir.file("c-upper.so"), copies), services,
                                   "c-upper", "{}");
  { // as `cp other.so c-upper.so` does: same inode, new bytes
    std::ofstream out(dir.file("c-upper.so"), std::ios::binary | std::ios::trunc);
    out << test::readFile(fixturePath("truncated.so"));
  }
  EXPECT_EQ(runTask(*agent, "abc").text, "ABC");
}

TEST(PluginCatalog, CopiesGoToTheStateDirAndAreRemovedWithTheCatalog) {
  test::TempDir state;
  std::string folder;
  {
    plugin::PluginCatalog catalog;
    catalog.useStateDir(state.path());
    auto p = catalog.add(fixturePath("c-upper.so"), true);
    ASSERT_TRUE(p);
    folder = std::filesystem::path(p->mappedPath).parent_path().string();
    EXPECT_EQ(folder.rfind(state.file("rivet-plugins."), 0), 0u) << folder;
    EXPECT_TRUE(std::filesystem::exists(p->mappedPath));
  }
  EXPECT_FALSE(std::filesystem::exists(folder));
}

TEST(PluginCatalog, RefusedFileLeavesNoCopyBehind) {
  test::TempDir state;
  plugin::PluginCatalog catalog;
  catalog.useStateDir(state.path());
  EXPECT_THROW(catalog.add(fixturePath("bad-magic.so"), true), plugin::LoadError);
  for (const auto& folder : std::filesystem::directory_iterator(state.path()))
    EXPECT_TRUE(std::filesystem::is_empty(folder.path())) << folder.path();
}
