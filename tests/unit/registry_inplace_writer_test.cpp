// Programs that write mesh.json without our lock (RivetOS rewrites it in place): a write of ours
// never erases theirs. The other program here is a real process, run between our read and rename.
#include "registry/RegistryError.hpp"
#include "registry/RegistryFile.hpp"
#include "registry/RegistryRules.hpp"

#include "registry_fixtures.hpp"

#include <gtest/gtest.h>

using namespace rivet::registry;
using namespace rivet::test;

namespace {

// registry_hammer --in-place: adds node `id` to <dir>/mesh.json the way RivetOS writes.
void otherProgramAdds(const std::string& dir, const std::string& id) {
  RunResult r = run({binPath("registry_hammer"), "--in-place", dir, id});
  ASSERT_EQ(r.exitCode, 0) << r.err;
}

} // namespace

TEST(RegistryInPlaceWriter, WriteMadeBetweenOurReadAndRenameIsKeptAndOurChangeReapplied) {
  TempDir dir;
  writeFile(dir.file("mesh.json"), kRivetOsMesh);
  FakeClock clock;
  RegistryStore store(dir.path(), clock.clock());
  int runs = 0;
  bool written = store.update([&](Registry& r) {
    if (runs++ == 0)
      otherProgramAdds(dir.path(), "rivetos-new");
    applyHeartbeat(r, ourNode(), store.now());
    return true;
  });
  EXPECT_TRUE(written);
  EXPECT_EQ(runs, 2) << "the change is applied again to the other program's version";
  Registry r = RegistryFile::parse(readFile(store.path()), store.path());
  EXPECT_TRUE(r.contains("rivetos-new")) << "our rename erased the other program's write";
  EXPECT_EQ(r.find("rivet-a")->lastSeen(), kNow);
  EXPECT_EQ(r.size(), 5u);
}

TEST(RegistryInPlaceWriter, OfflineMarkKeepsANodeAddedInPlaceAfterItsRead) {
  TempDir dir;
  writeFile(dir.file("mesh.json"), kRivetOsMesh);
  RegistryStore store(dir.path());
  store.heartbeat(ourNode());
  int runs = 0;
  store.update([&](Registry& r) {
    if (runs++ == 0)
      otherProgramAdds(dir.path(), "rivetos-late");
    return applyStatus(r, "rivet-a", "offline");
  });
  Registry r = RegistryFile::parse(readFile(store.path()), store.path());
  EXPECT_TRUE(r.contains("rivetos-late"));
  EXPECT_EQ(r.find("rivet-a")->status(), "offline");
}

TEST(RegistryInPlaceWriter, FileThatKeepsChangingIsNotOverwrittenAndTheWriteFails) {
  TempDir dir;
  writeFile(dir.file("mesh.json"), kRivetOsMesh);
  RegistryStore store(dir.path());
  int runs = 0;
  try {
    store.update([&](Registry& r) {
      otherProgramAdds(dir.path(), "rivetos-" + std::to_string(runs++));
      applyHeartbeat(r, ourNode(), store.now());
      return true;
    });
    FAIL() << "a write that would erase another program's must fail";
  } catch (const RegistryError& e) {
    EXPECT_TRUE(contains(e.what(), store.path() + " changed again")) << e.what();
  }
  EXPECT_EQ(runs, RegistryStore::kWriteAttempts);
  Registry r = RegistryFile::parse(readFile(store.path()), store.path());
  for (int i = 0; i < runs; ++i)
    EXPECT_TRUE(r.contains("rivetos-" + std::to_string(i))) << i;
}
