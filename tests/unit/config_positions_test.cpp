// Where each key of a loaded file is written, so that checks after loading (plugins, files)
// report file:line:col like the loader does, falling back to the nearest enclosing key.
#include "config/ConfigLoader.hpp"

#include <gtest/gtest.h>

using namespace rivet::config;

namespace {

LoadResult load(const std::string& yaml) {
  return loadConfigText(yaml, "rivet.yaml",
                        [](const std::string&) { return std::optional<std::string>(); });
}

} // namespace

TEST(ConfigPositions, LocatesEveryKeyOneBased) {
  auto r = load("mesh:\n  node_name: a\nagents:\n  reviewer:\n    plugin: command\n"
                "    argv: [/bin/cat]\n");
  EXPECT_EQ(r.positions.locate("mesh.node_name"), "rivet.yaml:2:3");
  EXPECT_EQ(r.positions.locate("agents.reviewer"), "rivet.yaml:4:3");
  EXPECT_EQ(r.positions.locate("agents.reviewer.argv"), "rivet.yaml:6:5");
}

TEST(ConfigPositions, KeyNotWrittenFallsBackToTheNearestEnclosingKey) {
  auto r = load("mesh:\n  enabled: true\n  tls: true\n");
  EXPECT_EQ(r.positions.locate("mesh.tls.cert_path"), "rivet.yaml:3:3");
  EXPECT_EQ(r.positions.locate("mesh.storage_dir"), "rivet.yaml:1:1");
  EXPECT_EQ(r.positions.locate("log.level"), "rivet.yaml");
}

TEST(ConfigPositions, ErrorLineSaysWhereWhatAndWhatToDo) {
  auto r = load("mesh:\n  transport: x\n");
  EXPECT_EQ(r.positions.error("mesh.transport", "no plugin named 'transport-x'",
                              "Install it or set plugins.dir"),
            "rivet.yaml:2:3: mesh.transport: no plugin named 'transport-x'. Install it or set "
            "plugins.dir.");
}
