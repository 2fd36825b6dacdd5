// Logging set-up: Poco's own messages and our component loggers reach the same file sink.
#include "log/Log.hpp"

#include "TestSupport.hpp"

#include <Poco/Logger.h>
#include <gtest/gtest.h>

using namespace rivet::test;

TEST(Logging, PocoMessagesGoThroughTheSameSink) {
  TempDir dir;
  rivet::log::configure({"info", "pretty", dir.file("log.txt")});
  rivet::log::get("Mesh")->info("from spdlog");
  Poco::Logger::get("NetSSL").warning("from poco");
  Poco::Logger::get("NetSSL").debug("hidden below the level");
  rivet::log::flush();
  auto text = readFile(dir.file("log.txt"));
  rivet::log::configure({}); // back to stderr for the other tests
  EXPECT_TRUE(contains(text, "INFO  [Mesh] from spdlog")) << text;
  EXPECT_TRUE(contains(text, "WARN  [NetSSL] from poco")) << text;
  EXPECT_FALSE(contains(text, "hidden below the level")) << text;
}

TEST(Logging, RejectsUnknownLevelAndFormat) {
  EXPECT_THROW(rivet::log::configure({"loud", "pretty", ""}), std::runtime_error);
  EXPECT_THROW(rivet::log::configure({"info", "xml", ""}), std::runtime_error);
}

TEST(Logging, UnwritableLogFileIsAnErrorNamingIt) {
  TempDir dir;
  writeFile(dir.file("not-a-dir"), "");
  std::string path = dir.file("not-a-dir/rivetd.log"); // its folder is a regular file
  try {
    rivet::log::configure({"info", "pretty", path});
    FAIL() << "expected an error";
  } catch (const std::runtime_error& e) {
    EXPECT_TRUE(contains(e.what(), path)) << e.what();
  }
}
