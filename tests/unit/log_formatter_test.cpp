// The log line formats: RivetOS's pretty line and JSON lines.
#include "log/LineFormatter.hpp"

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
