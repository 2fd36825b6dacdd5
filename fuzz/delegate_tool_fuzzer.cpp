// libFuzzer target: the SDK's delegate_task tool (rivet/sdk/delegate_tool.hpp) on what a model
// writes as arguments and what a host answers as roster. Input: ARGS, or ROSTER \0 ARGS.
// Every call must come back as a status and a text, never a crash or an exception.
#include "rivet/sdk/delegate_tool.hpp"
#include "rivet/sdk/testing/fake_host.hpp"

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

using namespace rivet::sdk;

namespace {
const char* kRoster =
    R"({"chainDepth":0,"maxChainDepth":3,"canDelegate":true,"refusal":"","agents":[)"
    R"({"id":"opus","node":"n1","provider":"anthropic","model":"claude-opus","local":false},)"
    R"({"id":"echo","node":"here","provider":"echo","model":"","local":true}]})";
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  std::string rosterJson = kRoster;
  std::string_view args = input;
  if (auto nul = input.find('\0'); nul != std::string_view::npos) {
    rosterJson = std::string(input.substr(0, nul));
    args = input.substr(nul + 1);
  }

  testing::FakeHost fake{"fuzzer"};
  fake.rosterJson = rosterJson;
  fake.delegateResultJson = R"({"status":"completed","response":"done \u00e9"})";
  DelegateTool tool(Host(fake.api()), 64);
  rivet_task raw{};
  raw.struct_size = sizeof raw;
  Task task{&raw};

  Roster roster = tool.roster(task);
  (void)DelegateTool::description(roster);
  (void)DelegateTool::offered(roster);
  ToolResult result = tool.call(task, args, roster);
  if (result.text.empty())
    std::abort(); // every outcome says something the model can act on
  (void)capText(std::string(args), 16);
  return 0;
}
