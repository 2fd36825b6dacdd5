// The record of hot-dropped agents (<state_dir>/dropped-agents.json): round trip, and every
// hostile or broken file set aside without a crash, the node starting with an empty record.
#include "TestSupport.hpp"
#include "plugin/DroppedAgents.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sys/stat.h>

using rivet::plugin::DroppedAgents;
using rivet::test::TempDir;

namespace {

void write(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
}

TEST(DroppedAgents, RemembersAndForgetsAcrossInstances) {
  TempDir dir;
  {
    DroppedAgents record(dir.path());
    record.remember({"/plugins/a.so", "a"});
    record.remember({"/plugins/b \"x\".so", "b"});
    record.remember({"/plugins/a.so", "a"}); // once only, now the latest
  }
  DroppedAgents again(dir.path());
  auto entries = again.load();
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].file, "/plugins/b \"x\".so");
  EXPECT_EQ(entries[0].plugin, "b");
  EXPECT_EQ(entries[1].file, "/plugins/a.so");
  EXPECT_TRUE(again.forget("/plugins/a.so"));
  EXPECT_FALSE(again.forget("/plugins/a.so"));
  EXPECT_EQ(DroppedAgents(dir.path()).load().size(), 1u);
}

TEST(DroppedAgents, NoStateFolderRemembersNothing) {
  DroppedAgents record("");
  EXPECT_FALSE(record.enabled());
  record.remember({"/plugins/a.so", "a"});
  EXPECT_TRUE(record.load().empty());
}

TEST(DroppedAgents, HostileFilesAreSetAsideAndTheRecordStartsEmpty) {
  TempDir dir;
  const std::string path = dir.file("dropped-agents.json");
  for (const std::string& text :
       {std::string("not json"), std::string(R"({"version":2,"agents":[]})"),
        std::string(R"({"version":1,"agents":{}})"), std::string(R"([1,2])"),
        std::string(R"({"version":1,"agents":[)"), std::string(70 * 1024, ' ')}) {
    write(path, text);
    EXPECT_TRUE(DroppedAgents(dir.path()).load().empty()) << text.substr(0, 40);
  }
  std::filesystem::remove(path);
  ASSERT_EQ(::mkfifo(path.c_str(), 0600), 0);
  EXPECT_TRUE(DroppedAgents(dir.path()).load().empty()); // returns at once, never blocks
  std::filesystem::remove(path);
  write(dir.file("elsewhere.json"), R"({"version":1,"agents":[{"file":"/a.so","plugin":"a"}]})");
  std::filesystem::create_symlink(dir.file("elsewhere.json"), path);
  EXPECT_TRUE(DroppedAgents(dir.path()).load().empty());
}

TEST(DroppedAgents, EntriesWithoutAnAbsoluteFileOrAValidNameAreSkipped) {
  TempDir dir;
  write(
      dir.file("dropped-agents.json"),
      R"({"version":1,"agents":[{"file":"rel.so","plugin":"a"},{"file":"/x.so","plugin":"Bad Name"},)"
      R"({"file":7,"plugin":"b"},"text",{"file":"/ok.so","plugin":"ok"}]})");
  auto entries = DroppedAgents(dir.path()).load();
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].file, "/ok.so");
}

TEST(DroppedAgents, AtMostTheCapIsRead) {
  TempDir dir;
  std::string text = R"({"version":1,"agents":[)";
  for (size_t i = 0; i < DroppedAgents::kMaxEntries + 10; ++i)
    text += (i ? "," : "") + std::string(R"({"file":"/p/a.so","plugin":"a"})");
  write(dir.file("dropped-agents.json"), text + "]}");
  EXPECT_EQ(DroppedAgents(dir.path()).load().size(), DroppedAgents::kMaxEntries);
}

} // namespace
