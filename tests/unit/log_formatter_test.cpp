// The log line formats: RivetOS's pretty line and JSON lines.
#include "log/LineFormatter.hpp"
#include "log/Log.hpp"

#include <algorithm>
#include <gtest/gtest.h>
#include <regex>

namespace {

std::string formatted(bool json, spdlog::level::level_enum level, const std::string& component,
                      const std::string& text) {
  rivet::log::LineFormatter f(json);
  spdlog::details::log_msg msg(component, level, text);
  spdlog::memory_buf_t buf;
  f.format(msg, buf);
  return std::string(buf.data(), buf.size());
}

} // namespace

TEST(LineFormatter, PrettyLineHasTimeLevelAndComponent) {
  auto line = formatted(false, spdlog::level::warn, "AgentChannel", "TLS handshake failed");
  EXPECT_TRUE(std::regex_match(
      line, std::regex(R"(\d\d:\d\d:\d\d\.\d\d\d WARN  \[AgentChannel\] TLS handshake failed\n)")))
      << line;
  EXPECT_NE(formatted(false, spdlog::level::info, "Mesh", "x").find(" INFO  [Mesh] x"),
            std::string::npos);
  EXPECT_NE(formatted(false, spdlog::level::err, "Mesh", "x").find(" ERROR [Mesh] x"),
            std::string::npos);
}

TEST(LineFormatter, JsonLineIsOneEscapedObject) {
  auto line = formatted(true, spdlog::level::info, "Mesh", "say \"hi\"\nnext");
  EXPECT_TRUE(std::regex_match(
      line, std::regex(R"(\{"level":"info","component":"Mesh","message":"say \\"hi\\"\\nnext",)"
                       R"("timestamp":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d\d\dZ"\}\n)")))
      << line;
}

TEST(LineFormatter, APrettyLineCannotForgeAnotherLine) {
  auto line = formatted(false, spdlog::level::warn, "MeshDelegation",
                        "peer said: x\n12:00:00.000 INFO  [Tasks] forged\r\x1b[2J");
  EXPECT_EQ(std::count(line.begin(), line.end(), '\n'), 1) << line;
  EXPECT_NE(line.find(R"(peer said: x\n12:00:00.000 INFO  [Tasks] forged\r\x1b[2J)"),
            std::string::npos)
      << line;
}

TEST(LineFormatter, LinesLoggedForATaskNameItsTaskAndTrace) {
  const std::string task = "0123456789abcdef0123456789abcdef";
  const std::string trace = "4bf92f3577b34da6a3ce929d0e0e4736";
  {
    rivet::log::TaskScope scope(task, trace);
    auto pretty = formatted(false, spdlog::level::info, "MeshDelegation", "Delegating to opus");
    EXPECT_NE(pretty.find("Delegating to opus [task=" + task + " trace=" + trace + "]\n"),
              std::string::npos)
        << pretty;
    auto json = formatted(true, spdlog::level::info, "MeshDelegation", "Delegating to opus");
    EXPECT_NE(json.find(R"("message":"Delegating to opus","taskId":")" + task + R"(","traceId":")" +
                        trace + R"(",)"),
              std::string::npos)
        << json;
    {
      rivet::log::TaskScope inner("", trace); // /api/message work: a trace, no task id
      auto only = formatted(false, spdlog::level::info, "MeshDelegation", "x");
      EXPECT_NE(only.find("x [trace=" + trace + "]\n"), std::string::npos) << only;
    }
    EXPECT_NE(formatted(false, spdlog::level::info, "M", "y").find("task=" + task),
              std::string::npos)
        << "the outer scope is back";
  }
  auto outside = formatted(false, spdlog::level::info, "M", "z");
  EXPECT_EQ(outside.find("["), outside.find("[M]")) << outside;
  EXPECT_EQ(outside.find("task="), std::string::npos) << outside;
}
