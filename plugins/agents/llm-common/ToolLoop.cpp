// The tool loop: one budget for every round, a fresh roster each turn, every call of a turn run
// at once (at most kMaxCallsPerTurn), and failures that tell the user which setting to change.
#include "ToolLoop.hpp"

#include "ProgressReport.hpp"
#include "ProviderText.hpp"
#include "SseReader.hpp"

#include <rivet/sdk/json.hpp>

namespace rivet::llm {
namespace {

namespace json = sdk::json;
using sdk::DelegateTool;
using sdk::TaskResult;
using sdk::ToolResult;

ToolResult failedCall(std::string text) {
  return {RIVET_TASK_FAILED, "[failed] " + std::move(text)};
}

// The arguments with timeout_ms no longer than what is left of the agent's own timeout_ms
// (the host already holds delegations to the task's deadline). Arguments that are not an
// object, or whose timeout_ms is invalid, are left for DelegateTool to explain.
std::string cappedTimeout(const std::string& arguments, const Budget& budget) {
  if (budget.isTaskDeadline())
    return arguments;
  auto parsed = json::tryParse(arguments);
  if (parsed && parsed->isString())
    parsed = json::tryParse(parsed->asString());
  if (!parsed || !parsed->isObject())
    return arguments;
  int64_t left = std::max<int64_t>(1, budget.left().count());
  const json::Value* given = parsed->find("timeout_ms");
  if (given && !given->isNull()) {
    auto ms = parsed->getInteger("timeout_ms");
    if (!ms || *ms <= 0 || *ms <= left)
      return arguments;
  }
  parsed->set("timeout_ms", json::Value::number(static_cast<double>(left)));
  return parsed->dump();
}

} // namespace

ToolLoop::ToolLoop(const sdk::Host& host, const HttpJsonClient& client, Headers headers,
                   ToolLoopSettings settings)
    : host_(host), client_(client), headers_(std::move(headers)), settings_(settings),
      tool_(host, static_cast<size_t>(settings.maxToolResultBytes)) {}

std::string ToolLoop::userContent(const sdk::Task& task) {
  if (task.fromAgent().empty())
    return std::string(task.message());
  std::string line = "Task from agent \"" + std::string(task.fromAgent()) + "\"";
  if (!task.fromNode().empty())
    line += " on node \"" + std::string(task.fromNode()) + "\"";
  return line + ":\n\n" + std::string(task.message());
}

TaskResult ToolLoop::run(const sdk::Task& task, Conversation& conversation,
                         std::optional<int64_t> timeoutMs) const {
  const Budget budget = Budget::forTask(task.timeoutMs(), timeoutMs);
  const ProgressReport progress(host_, task);
  auto cancelled = [&task] { return task.cancelled(); };
  if (cancelled())
    return client_.cancelledResult();
  const ToolOffer offer{DelegateTool::kName, "", DelegateTool::parametersSchema()};
  int64_t rounds = 0;
  for (;;) {
    sdk::Roster roster = tool_.roster(task); // fresh every turn: agents come and go
    ToolOffer thisTurn = offer;
    thisTurn.description = DelegateTool::description(roster);
    bool offered = settings_.delegation && DelegateTool::offered(roster);

    std::string streamed; // a streamed answer, assembled into the provider's JSON answer
    PostOutcome outcome;
    try {
      outcome = ask(conversation, conversation.requestBody(thisTurn, offered), budget, cancelled,
                    progress, streamed);
    } catch (const StreamError& e) {
      return TaskResult::failed("provider " + client_.baseUrl() +
                                " streamed an answer that cannot be used: " + e.what());
    }
    if (!outcome.answer)
      return outcome.failure;
    const HttpAnswer& answer = *outcome.answer;
    const std::string prefix =
        "provider " + client_.baseUrl() + " answered HTTP " + std::to_string(answer.status);
    if (answer.status < 200 || answer.status >= 300)
      return TaskResult::failed(prefix + conversation.httpError(answer));

    ModelTurn turn = conversation.readAnswer(answer.streamed ? streamed : answer.body);
    if (turn.kind == ModelTurn::Kind::Problem)
      return TaskResult::failed(prefix + " " + turn.text);
    if (turn.kind == ModelTurn::Kind::Text)
      return TaskResult::completed(std::move(turn.text));

    if (rounds == settings_.maxToolRounds)
      return TaskResult::failed(
          "the model was still calling " + std::string(DelegateTool::kName) + " after " +
          std::to_string(rounds) +
          " rounds of tool calls (max_tool_rounds: " + std::to_string(settings_.maxToolRounds) +
          "); raise max_tool_rounds in this agent's settings, or give it a task that needs "
          "fewer delegations");
    ++rounds;
    conversation.addToolResults(turn.calls, runCalls(task, turn.calls, roster, budget, progress));
    if (task.cancelled())
      return TaskResult::failed("cancelled by the host during " + std::string(DelegateTool::kName) +
                                " calls, before asking " + client_.endpoint() + " again");
    if (budget.passed())
      return TaskResult::timeout("the " + budget.describe() + " ran out during " +
                                 std::string(DelegateTool::kName) + " calls, before asking " +
                                 client_.endpoint() + " again");
  }
}

PostOutcome ToolLoop::ask(Conversation& conversation, const std::string& body, const Budget& budget,
                          const std::function<bool()>& cancelled, const ProgressReport& progress,
                          std::string& streamed) const {
  std::unique_ptr<StreamDecoder> decoder =
      conversation.streamDecoder([&progress](const std::string& text) { progress.text(text); });
  if (!decoder)
    return client_.post(body, headers_, budget, cancelled);
  SseReader events(
      [&decoder](const std::string& name, const std::string& data) { decoder->event(name, data); },
      HttpJsonClient::kMaxAnswerBytes);
  const HttpJsonClient::BodySink sink = [&events](const char* data, size_t size) {
    events.feed(data, size);
  };
  PostOutcome outcome = client_.post(body, headers_, budget, cancelled, &sink);
  if (outcome.answer && outcome.answer->streamed) {
    events.finish();
    streamed = decoder->finish();
  }
  return outcome;
}

std::vector<ToolResult> ToolLoop::runCalls(const sdk::Task& task,
                                           const std::vector<ToolCall>& calls,
                                           const sdk::Roster& roster, const Budget& budget,
                                           const ProgressReport& progress) const {
  const std::string name = DelegateTool::kName;
  std::vector<ToolResult> results(calls.size());
  std::vector<std::string> arguments;
  std::vector<size_t> running; // index in `calls` of each entry of `arguments`
  for (size_t i = 0; i < calls.size(); ++i) {
    const ToolCall& call = calls[i];
    if (call.name != name)
      results[i] =
          failedCall("unknown tool " + (call.name.empty() ? "(no name)" : excerpt(call.name, 100)) +
                     "; the only tool is " + name);
    else if (!settings_.delegation)
      results[i] = {RIVET_TASK_REJECTED,
                    "[rejected] delegation is turned off for this agent (delegation: false)"};
    else if (running.size() == kMaxCallsPerTurn)
      results[i] = failedCall("not run: at most " + std::to_string(kMaxCallsPerTurn) + " " + name +
                              " calls run in one turn; call it again for this one after reading "
                              "the results");
    else if (call.arguments.size() > kMaxArgumentBytes)
      results[i] =
          failedCall(name + ": the arguments are " + std::to_string(call.arguments.size()) +
                     " bytes, more than the " + std::to_string(kMaxArgumentBytes) +
                     " accepted; send a shorter task and context");
    else {
      arguments.push_back(cappedTimeout(call.arguments, budget));
      running.push_back(i);
    }
  }
  for (size_t i : running) // the calls answered without running never started
    progress.delegation(calls[i].arguments);
  std::vector<ToolResult> ran = tool_.callAll(task, arguments, roster);
  for (size_t k = 0; k < running.size(); ++k) {
    progress.outcome(calls[running[k]].arguments, ran[k].status);
    results[running[k]] = std::move(ran[k]);
  }
  return results;
}

} // namespace rivet::llm
