// mesh.json's folder is shared with programs that are not ours (NFS): what they leave there is
// refused at once and never followed — links, FIFOs, devices, folders, huge files, bad UTF-8.
#include "registry/RegistryError.hpp"
#include "registry/RegistryFile.hpp"

#include "registry_fixtures.hpp"

#include <chrono>
#include <filesystem>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace rivet::registry;
using namespace rivet::test;
namespace fs = std::filesystem;

namespace {

// A tolerant read of `dir` in a child process (registry_hammer --read), so that a read that
// blocks or never ends fails the test within seconds instead of hanging it.
RunResult readInChild(const std::string& dir, int64_t maxBytes = 64 * 1024 * 1024) {
  return run({binPath("registry_hammer"), "--read", dir, std::to_string(maxBytes)}, {},
             std::chrono::seconds(5));
}

} // namespace

TEST(RegistryHostileFiles, MeshJsonLinkedToDevZeroIsRefusedAtOnce) {
  TempDir dir;
  fs::create_symlink("/dev/zero", dir.file("mesh.json"));
  auto start = std::chrono::steady_clock::now();
  RunResult r = readInChild(dir.path());
  EXPECT_FALSE(r.timedOut) << "the read followed the link into /dev/zero";
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
  EXPECT_EQ(r.exitCode, 0) << r.err;
  EXPECT_EQ(r.out, "nodes=0\n");
  EXPECT_TRUE(contains(r.err, "WARN"));
  EXPECT_TRUE(contains(r.err, dir.file("mesh.json") + " is a symbolic link, not a regular file"))
      << r.err;
}

TEST(RegistryHostileFiles, MeshJsonThatIsAFifoIsRefusedAtOnceWithoutBlocking) {
  TempDir dir;
  ASSERT_EQ(::mkfifo(dir.file("mesh.json").c_str(), 0644), 0);
  RunResult r = readInChild(dir.path());
  EXPECT_FALSE(r.timedOut) << "the read blocked on the FIFO";
  EXPECT_EQ(r.exitCode, 0) << r.err;
  EXPECT_TRUE(contains(r.err, dir.file("mesh.json") + " is a FIFO, not a regular file")) << r.err;
}

TEST(RegistryHostileFiles, MeshJsonThatIsAFolderIsRefusedAndTheLastGoodCopyUsed) {
  TempDir dir;
  writeFile(dir.file("mesh.json"), kRivetOsMesh);
  RegistryStore store(dir.path());
  ASSERT_EQ(store.snapshot()->size(), 4u);
  LogCapture log;
  fs::remove(dir.file("mesh.json"));
  fs::create_directory(dir.file("mesh.json"));
  EXPECT_EQ(store.snapshot()->size(), 4u);
  EXPECT_EQ(log.count("WARN  [Mesh] " + store.path() + " is a directory, not a regular file"), 1u)
      << log.text();
}

TEST(RegistryHostileFiles, FileOverRegistryMaxBytesIsInvalidNamingTheSetting) {
  TempDir dir;
  writeFile(dir.file("mesh.json"), kRivetOsMesh);
  RegistryStore store(dir.path(), {}, 8192);
  ASSERT_EQ(store.snapshot()->size(), 4u);
  LogCapture log;
  writeFile(dir.file("mesh.json"), kRivetOsMesh + std::string(8192, ' '));
  EXPECT_EQ(store.snapshot()->size(), 4u); // the last good copy
  EXPECT_TRUE(contains(log.text(), store.path() + " is larger than mesh.registry_max_bytes (8192"))
      << log.text();
  RunResult r = readInChild(dir.path(), 8192); // never read before: nothing to fall back on
  EXPECT_EQ(r.out, "nodes=0\n") << r.err;
  EXPECT_TRUE(contains(r.err, "mesh.registry_max_bytes")) << r.err;
}

TEST(RegistryHostileFiles, InvalidUtf8MakesTheFileInvalidAndTheLastGoodCopyIsUsed) {
  TempDir dir;
  writeFile(dir.file("mesh.json"), kRivetOsMesh);
  RegistryStore store(dir.path());
  ASSERT_EQ(store.snapshot()->size(), 4u);
  LogCapture log;
  std::string bad = kRivetOsMesh;
  bad.replace(bad.find("\"phil\""), 6, "\"ph\xff\xfel\"");
  writeFile(dir.file("mesh.json"), bad);
  EXPECT_EQ(store.snapshot()->find("ct201")->string("sshUser"), "phil");
  EXPECT_TRUE(contains(log.text(), "invalid UTF-8")) << log.text();
  store.heartbeat(ourNode()); // heals it from the last good copy
  Registry healed = RegistryFile::parse(readFile(store.path()), store.path());
  EXPECT_EQ(healed.find("ct201")->string("sshUser"), "phil");
}

TEST(RegistryHostileFiles, DanglingLinkAtTheLockIsRefusedAndItsTargetNotCreated) {
  TempDir dir;
  writeFile(dir.file("mesh.json"), kRivetOsMesh);
  fs::create_symlink(dir.file("planted-target"), dir.file("mesh.json.lock"));
  RegistryStore store(dir.path());
  try {
    store.heartbeat(ourNode());
    FAIL() << "a lock through a planted link must be refused";
  } catch (const RegistryError& e) {
    EXPECT_EQ(e.kind(), RegistryError::Kind::Io);
    EXPECT_TRUE(contains(e.what(), dir.file("mesh.json.lock"))) << e.what();
    EXPECT_TRUE(contains(e.what(), "symbolic link")) << e.what();
  }
  EXPECT_FALSE(fs::exists(dir.file("planted-target")));
  EXPECT_EQ(readFile(dir.file("mesh.json")), kRivetOsMesh);
}

TEST(RegistryHostileFiles, LinksPlantedAtTemporaryNamesAreNeverFollowed) {
  TempDir dir;
  TempDir elsewhere;
  writeFile(elsewhere.file("victim"), "untouched");
  writeFile(dir.file("mesh.json"), kRivetOsMesh);
  // The names an older rivetd used: .mesh.json.tmp.<pid>.<counter>.
  for (int n = 0; n < 1000; ++n)
    fs::create_symlink(
        elsewhere.file("victim"),
        dir.file(".mesh.json.tmp." + std::to_string(::getpid()) + "." + std::to_string(n)));
  RegistryStore store(dir.path());
  for (int i = 0; i < 3; ++i)
    store.heartbeat(ourNode());
  EXPECT_EQ(readFile(elsewhere.file("victim")), "untouched");
  EXPECT_FALSE(fs::is_symlink(dir.file("mesh.json")));
  EXPECT_TRUE(RegistryFile::parse(readFile(store.path()), store.path()).contains("rivet-a"));
}

TEST(RegistryHostileFiles, NewRegistryFileIsMode0644WhateverTheUmask) {
  TempDir dir;
  mode_t old = ::umask(0);
  RegistryStore store(dir.path());
  store.registerSelf(ourNode());
  ::umask(old);
  struct stat st {};
  ASSERT_EQ(::stat(store.path().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0644u);
}

TEST(RegistryHostileFiles, StorageFolderThatIsAFileIsRefusedNamingTheSetting) {
  TempDir dir;
  writeFile(dir.file("shared"), "not a folder");
  RegistryStore store(dir.file("shared"));
  try {
    store.registerSelf(ourNode());
    FAIL() << "a file is not a storage folder";
  } catch (const RegistryError& e) {
    EXPECT_TRUE(
        contains(e.what(), "mesh.storage_dir " + dir.file("shared") + " is not a directory"))
        << e.what();
  }
}

TEST(RegistryHostileFiles, StorageFolderLinkedByThisUserIsFollowed) {
  TempDir dir;
  fs::create_directory(dir.file("nfs-mount"));
  fs::create_directory_symlink(dir.file("nfs-mount"), dir.file("rivet-shared"));
  RegistryStore store(dir.file("rivet-shared"));
  store.registerSelf(ourNode());
  EXPECT_TRUE(fs::is_regular_file(dir.file("nfs-mount/mesh.json")));
}

TEST(RegistryHostileFiles, StorageFolderLinkedByAnotherUserIsRefused) {
  TempDir dir;
  fs::create_directory(dir.file("elsewhere"));
  fs::create_directory_symlink(dir.file("elsewhere"), dir.file("rivet-shared"));
  if (::lchown(dir.file("rivet-shared").c_str(), 65534, 65534) != 0)
    GTEST_SKIP() << "giving the link to another user needs root";
  RegistryStore store(dir.file("rivet-shared"));
  try {
    store.registerSelf(ourNode());
    FAIL() << "a link another user planted must not be followed";
  } catch (const RegistryError& e) {
    EXPECT_TRUE(contains(e.what(), "is a symbolic link owned by uid 65534")) << e.what();
  }
  EXPECT_FALSE(fs::exists(dir.file("elsewhere/mesh.json")));
}
