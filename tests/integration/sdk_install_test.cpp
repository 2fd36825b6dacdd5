// `cmake --install` to a fresh prefix, then the plugin guide's example built out of tree against
// the installed RivetSDK package, checked by the installed rivetctl and loaded by the installed
// rivetd, which finds its own plugins relative to itself.
#include "TestSupport.hpp"

#include <filesystem>
#include <gtest/gtest.h>
#include <regex>

using namespace rivet::test;
namespace fs = std::filesystem;

namespace {

// Writes every block of the guide introduced by `<!-- file: NAME -->` into `dir`.
int extractGuideFiles(const std::string& guide, const std::string& dir) {
  std::regex block(R"(<!-- file: ([^ ]+) -->\n```[a-z]*\n([\s\S]*?)```)");
  int count = 0;
  for (std::sregex_iterator it(guide.begin(), guide.end(), block), end; it != end; ++it) {
    writeFile(dir + "/" + (*it)[1].str(), (*it)[2].str());
    ++count;
  }
  return count;
}

} // namespace

TEST(SdkInstall, GuideExampleBuildsOutOfTreeAndLoadsIntoInstalledRivetd) {
  TempDir tmp;
  std::string prefix = tmp.file("prefix");
  auto install = run({"/usr/bin/cmake", "--install", RIVET_BUILD_DIR, "--prefix", prefix});
  ASSERT_EQ(install.exitCode, 0) << install.out << install.err;
  for (const char* f :
       {"bin/rivetd", "bin/rivetctl", "lib/rivet/plugins/echo.so", "include/rivet/sdk/abi.h",
        "include/rivet/sdk/plugin.hpp", "include/rivet/sdk/testing/fake_host.hpp",
        "lib/cmake/RivetSDK/RivetSDKConfig.cmake"})
    EXPECT_TRUE(fs::exists(prefix + "/" + f)) << f;

  std::string src = tmp.file("hello");
  ASSERT_EQ(extractGuideFiles(readFile(sourcePath("docs/plugin-guide.md")), src), 2);
  auto configure = run({"/usr/bin/cmake", "-S", src, "-B", src + "/build",
                        "-DCMAKE_PREFIX_PATH=" + prefix, "-DCMAKE_BUILD_TYPE=Release"},
                       {}, std::chrono::seconds(120));
  ASSERT_EQ(configure.exitCode, 0) << configure.out << configure.err;
  auto build = run({"/usr/bin/cmake", "--build", src + "/build"}, {}, std::chrono::seconds(120));
  ASSERT_EQ(build.exitCode, 0) << build.out << build.err;
  std::string so = src + "/build/hello.so";

  auto check = run({prefix + "/bin/rivetctl", "plugin", "check", so});
  EXPECT_EQ(check.exitCode, 0) << check.err;
  EXPECT_TRUE(contains(check.out, "name:        hello")) << check.out;
  EXPECT_TRUE(contains(check.out, "abi:         1.6")) << check.out;

  // The installed rivetd: plugins.dir left to its default (relative to the executable), the
  // new plugin in an agents folder of its own.
  fs::create_directories(tmp.file("agents"));
  fs::copy_file(so, tmp.file("agents/hello.so"));
  writeFile(tmp.file("rivet.yaml"),
            "mesh:\n  node_name: sdk\nplugins:\n  agents_dir: " + tmp.file("agents") +
                "\nagents:\n  hello:\n    plugin: hello\n  echo:\n"
                "    plugin: echo\n");
  Process rivetd({prefix + "/bin/rivetd", "--config", tmp.file("rivet.yaml")});
  ASSERT_TRUE(rivetd.waitForOutput("Node sdk ready: 2 agents (hello, echo)")) << rivetd.output();
  EXPECT_TRUE(contains(rivetd.output(), "Agent hello ready (plugin hello, provider hello, model "
                                        "greeting-1)"))
      << rivetd.output();
  EXPECT_TRUE(contains(rivetd.output(), "[hello] hello agent hello is ready")) << rivetd.output();
  EXPECT_TRUE(contains(rivetd.output(), "Loading plugins from " + prefix + "/lib/rivet/plugins"))
      << rivetd.output();
  EXPECT_EQ(rivetd.stop(), 0);
}
