// Many writers on one mesh.json: 16 processes (registry_hammer) each make 200 locked heartbeats
// while this test reads and parses the file without any tolerance. No entry or count may be lost.
#include "registry/AtomicFile.hpp"
#include "registry/RegistryError.hpp"
#include "registry/RegistryFile.hpp"

#include "TestSupport.hpp"

#include <cstdlib>
#include <filesystem>
#include <gtest/gtest.h>
#include <memory>

using namespace rivet::registry;
using namespace rivet::test;

namespace {

// On tmpfs when there is one: the test is about locking and atomic replacement, and an fsync on
// a real disk (~10 ms here) would make 3200 serialized writes take half a minute.
class ScratchDir {
public:
  ScratchDir() {
    std::string pattern = std::filesystem::is_directory("/dev/shm") ? "/dev/shm/rivet-mesh-XXXXXX"
                                                                    : "/tmp/rivet-mesh-XXXXXX";
    if (::mkdtemp(pattern.data()))
      path_ = pattern;
  }
  ~ScratchDir() {
    std::error_code ec;
    if (!path_.empty())
      std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

private:
  std::string path_;
};

constexpr int kWriters = 16;
constexpr int kHeartbeats = 200;

} // namespace

TEST(RegistryConcurrency, SixteenWritersLoseNothingAndEveryReadParses) {
  ScratchDir dir;
  ASSERT_FALSE(dir.path().empty());
  ASSERT_TRUE(std::filesystem::exists(binPath("registry_hammer")))
      << binPath("registry_hammer")
      << " is missing: build the registry_hammer target (tests/tools)";
  std::string path = dir.path() + "/mesh.json";
  std::vector<std::unique_ptr<Process>> writers;
  for (int i = 0; i < kWriters; ++i)
    writers.push_back(std::make_unique<Process>(
        std::vector<std::string>{binPath("registry_hammer"), dir.path(),
                                 "hammer-" + std::to_string(i), std::to_string(kHeartbeats)}));

  int reads = 0;
  std::vector<std::string> unparseable;
  auto anyRunning = [&] {
    bool running = false;
    for (auto& w : writers)
      running = w->running() || running;
    return running;
  };
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (anyRunning() && std::chrono::steady_clock::now() < deadline) {
    std::optional<std::string> text = AtomicFile::read(path);
    if (!text)
      continue; // not created yet
    ++reads;
    try {
      RegistryFile::parse(*text, path);
    } catch (const RegistryError& e) {
      unparseable.push_back(e.what());
    }
  }

  for (auto& w : writers)
    ASSERT_EQ(w->wait(std::chrono::seconds(5)), 0) << w->output();
  EXPECT_TRUE(unparseable.empty())
      << unparseable.size() << " of " << reads << " reads failed, first: " << unparseable.front();
  EXPECT_GT(reads, 100);
  std::optional<std::string> last = AtomicFile::read(path);
  ASSERT_TRUE(last) << path << " was never written";
  Registry r = RegistryFile::parse(*last, path);
  EXPECT_EQ(r.size(), static_cast<size_t>(kWriters));
  for (int i = 0; i < kWriters; ++i) {
    auto node = r.find("hammer-" + std::to_string(i));
    ASSERT_TRUE(node) << "hammer-" << i << " was lost";
    EXPECT_EQ(node->integer("hammerCount"), kHeartbeats) << node->toJson();
    EXPECT_EQ(node->status(), "online");
  }
}
