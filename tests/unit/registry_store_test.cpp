// Tolerant reads and safe writes of mesh.json: a missing, empty, torn or invalid file never
// costs another node its entry; problems are logged once; writes are atomic and locked.
#include "registry/RegistryError.hpp"
#include "registry/RegistryFile.hpp"

#include "registry_fixtures.hpp"

#include <algorithm>
#include <filesystem>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <thread>

using namespace rivet::registry;
using namespace rivet::test;

namespace {

std::string torn() {
  return kRivetOsMesh.substr(0, kRivetOsMesh.size() * 2 / 3);
}

// Every node of the fixture plus ours, read back from the file without any tolerance.
void expectEveryNodeIn(const std::string& path) {
  Registry r = RegistryFile::parse(readFile(path), path);
  for (const char* id : {"datahub", "ct201", "pixel", "rivet-a"})
    EXPECT_TRUE(r.contains(id)) << id << " was lost";
}

} // namespace

TEST(RegistryRead, MissingFileIsAnEmptyRegistryAndIsNotCreated) {
  TempDir dir;
  LogCapture log;
  RegistryStore store(dir.path());
  EXPECT_EQ(store.snapshot()->size(), 0u);
  EXPECT_FALSE(std::filesystem::exists(store.path()));
  EXPECT_EQ(log.count("WARN"), 0u) << log.text();
}

TEST(RegistryRead, EmptyFileUsesTheLastGoodCopyAndIsLoggedOnce) {
  TempDir dir;
  writeFile(dir.file("mesh.json"), kRivetOsMesh);
  RegistryStore store(dir.path());
  ASSERT_EQ(store.snapshot()->size(), 4u);
  LogCapture log;
  writeFile(dir.file("mesh.json"), "");
  for (int i = 0; i < 3; ++i)
    EXPECT_EQ(store.snapshot()->size(), 4u);
  EXPECT_EQ(log.count("WARN  [Mesh] " + store.path() + " is empty"), 1u) << log.text();
  EXPECT_TRUE(contains(log.text(), "last good copy (4 nodes)")) << log.text();
}

TEST(RegistryRead, TornFileUsesTheLastGoodCopyAndIsLoggedOnce) {
  TempDir dir;
  writeFile(dir.file("mesh.json"), kRivetOsMesh);
  RegistryStore store(dir.path());
  ASSERT_EQ(store.snapshot()->size(), 4u);
  LogCapture log;
  writeFile(dir.file("mesh.json"), torn());
  for (int i = 0; i < 3; ++i)
    EXPECT_TRUE(store.snapshot()->contains("pixel"));
  EXPECT_EQ(log.count("is not valid JSON"), 1u) << log.text();
}

TEST(RegistryRead, InvalidFileIsLoggedAgainOnlyAfterItRecovered) {
  TempDir dir;
  writeFile(dir.file("mesh.json"), kRivetOsMesh);
  RegistryStore store(dir.path());
  store.snapshot();
  LogCapture log;
  writeFile(dir.file("mesh.json"), "<<< hand edit in progress");
  store.snapshot();
  store.snapshot();
  writeFile(dir.file("mesh.json"), kRivetOsMesh);
  store.snapshot();
  EXPECT_EQ(log.count(store.path() + " reads well again"), 1u) << log.text();
  writeFile(dir.file("mesh.json"), "<<< hand edit in progress");
  store.snapshot();
  EXPECT_EQ(log.count("is not valid JSON"), 2u) << log.text();
}

TEST(RegistryRead, InvalidFileWithoutAnyGoodCopyReadsAsEmpty) {
  TempDir dir;
  writeFile(dir.file("mesh.json"), torn());
  LogCapture log;
  RegistryStore store(dir.path());
  EXPECT_EQ(store.snapshot()->size(), 0u);
  EXPECT_TRUE(contains(log.text(), "no good copy was read before")) << log.text();
}

TEST(RegistryRead, LegacyFlatArrayFileIsRefusedAndLeftUntouched) {
  TempDir dir;
  std::string legacy = R"({"version":1,"nodes":[{"id":"ct201"}],"updatedAt":1})";
  writeFile(dir.file("mesh.json"), legacy);
  RegistryStore store(dir.path());
  try {
    store.snapshot();
    FAIL() << "a legacy file must be refused";
  } catch (const RegistryError& e) {
    EXPECT_TRUE(contains(e.what(), store.path())) << e.what();
    EXPECT_TRUE(contains(e.what(), "pre-capabilities flat-array")) << e.what();
  }
  EXPECT_THROW(store.registerSelf(ourNode()), RegistryError);
  EXPECT_EQ(readFile(dir.file("mesh.json")), legacy);
}

TEST(RegistryWrite, TornFileUnderTheLockIsRewrittenFromTheLastGoodCopy) {
  TempDir dir;
  writeFile(dir.file("mesh.json"), kRivetOsMesh);
  RegistryStore store(dir.path());
  store.snapshot();
  LogCapture log;
  writeFile(dir.file("mesh.json"), torn()); // another program died mid-write
  store.heartbeat(ourNode());
  expectEveryNodeIn(store.path());
  EXPECT_TRUE(contains(log.text(), "rewriting it from this node's last good copy (4 nodes)"))
      << log.text();
}

TEST(RegistryWrite, EmptyFileUnderTheLockLosesNoEntry) {
  TempDir dir;
  writeFile(dir.file("mesh.json"), kRivetOsMesh);
  RegistryStore store(dir.path());
  store.heartbeat(ourNode()); // its own write is a good copy too
  writeFile(dir.file("mesh.json"), "");
  store.heartbeat(ourNode());
  expectEveryNodeIn(store.path());
}

TEST(RegistryWrite, InvalidFileWithoutAnyGoodCopyIsNotOverwritten) {
  TempDir dir;
  writeFile(dir.file("mesh.json"), torn());
  RegistryStore store(dir.path());
  try {
    store.registerSelf(ourNode());
    FAIL() << "writing only our own entry would drop every other node";
  } catch (const RegistryError& e) {
    EXPECT_EQ(e.kind(), RegistryError::Kind::NoGoodCopy);
    EXPECT_TRUE(contains(e.what(), store.path())) << e.what();
    EXPECT_TRUE(contains(e.what(), "Restore the file")) << e.what();
  }
  EXPECT_EQ(readFile(dir.file("mesh.json")), torn());
}

TEST(RegistryWrite, MissingFileAndFolderAreCreated) {
  TempDir dir;
  RegistryStore store(dir.file("shared/sub"));
  store.registerSelf(ourNode());
  Registry r = RegistryFile::parse(readFile(store.path()), store.path());
  EXPECT_EQ(r.size(), 1u);
  EXPECT_EQ(r.find("rivet-a")->status(), "online");
}

TEST(RegistryWrite, LeavesNoTemporaryFilesAndKeepsThePermissions) {
  TempDir dir;
  writeFile(dir.file("mesh.json"), kRivetOsMesh);
  ::chmod(dir.file("mesh.json").c_str(), 0640);
  RegistryStore store(dir.path());
  for (int i = 0; i < 3; ++i)
    store.heartbeat(ourNode());
  std::vector<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(dir.path()))
    names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{"mesh.json", "mesh.json.lock"}));
  struct stat st {};
  ASSERT_EQ(::stat(dir.file("mesh.json").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0640u);
}

TEST(RegistryWrite, UpdateThatChangesNothingDoesNotWrite) {
  TempDir dir;
  writeFile(dir.file("mesh.json"), kRivetOsMesh);
  RegistryStore store(dir.path());
  EXPECT_FALSE(store.update([](Registry&) { return false; }));
  EXPECT_EQ(readFile(dir.file("mesh.json")), kRivetOsMesh);
}

TEST(RegistryWrite, ThreadsOfOneProcessDoNotLoseEachOthersWrites) {
  TempDir dir;
  RegistryStore store(dir.path());
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&store, t] {
      for (int i = 0; i < 25; ++i)
        store.heartbeat(ourNode("thread-" + std::to_string(t)));
    });
  for (auto& t : threads)
    t.join();
  EXPECT_EQ(store.snapshot()->size(), 4u);
}
