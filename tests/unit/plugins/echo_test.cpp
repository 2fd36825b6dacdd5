// The echo agent, driven through its descriptor by the SDK's fake host.
#include <rivet/sdk/testing/fake_host.hpp>

#include <gtest/gtest.h>

using rivet::sdk::testing::FakeHost;
using rivet::sdk::testing::PluginHarness;

TEST(EchoAgent, AnswersWithTheTaskText) {
  FakeHost host("echo");
  PluginHarness echo(&rivet_plugin_entry, host);
  echo.create();
  echo.start();
  auto reply = echo.handle("hello mesh");
  EXPECT_EQ(reply.status, RIVET_TASK_COMPLETED);
  EXPECT_EQ(reply.text, "hello mesh");
}

TEST(EchoAgent, DeclaresItselfAnInlineAgentNamedEcho) {
  FakeHost host;
  PluginHarness echo(&rivet_plugin_entry, host);
  EXPECT_STREQ(echo.descriptor().name, "echo");
  EXPECT_EQ(echo.descriptor().kind, static_cast<uint32_t>(RIVET_KIND_AGENT));
  auto ops = static_cast<const rivet_agent_ops*>(echo.descriptor().ops);
  EXPECT_TRUE(ops->flags & RIVET_AGENT_INLINE);
  echo.create();
  EXPECT_EQ(echo.describe(), R"({"provider":"echo"})");
}

TEST(EchoAgent, KeepsEmptyAndUnicodeTextIntact) {
  FakeHost host;
  PluginHarness echo(&rivet_plugin_entry, host);
  echo.create();
  echo.start();
  EXPECT_EQ(echo.handle("").text, "");
  EXPECT_EQ(echo.handle("délégation → ok").text, "délégation → ok");
}
