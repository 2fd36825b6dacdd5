// The `delegate_task` tool, ready for any LLM agent plugin: its JSON schema, a description that
// lists the agents reachable now (from the host's roster), argument checks whose messages a
// model can act on, execution through the host's delegate(), and RivetOS's `[status] text`
// result. A plugin wraps name/description/schema in its provider's tool format and feeds each
// tool call's arguments to call() or callAll().
#pragma once

#include "rivet/sdk/json.hpp"
#include "rivet/sdk/plugin.hpp"

#include <cstddef>
#include <cstdint>
#include <future>
#include <string>
#include <string_view>
#include <vector>

namespace rivet::sdk {

/// One agent the task may delegate to.
struct RosterAgent {
  std::string id;
  std::string node;
  std::string provider;
  std::string model; // empty: not known
  bool local = false;
  std::string description; // what the agent says it is for (abi.h 1.5); empty: not given
};

/// The host's roster for one task (see abi.h, roster).
struct Roster {
  int64_t chainDepth = 0;
  int64_t maxChainDepth = 0;
  bool canDelegate = false;
  std::string refusal; // why not, when !canDelegate
  std::vector<RosterAgent> agents;

  /// Reads the host's roster JSON; an unreadable one is a roster that cannot delegate.
  static Roster parse(std::string_view text) {
    Roster r;
    auto doc = json::tryParse(text);
    if (!doc || !doc->isObject()) {
      r.refusal = "the host's roster was not a JSON object";
      return r;
    }
    r.chainDepth = doc->getInteger("chainDepth").value_or(0);
    r.maxChainDepth = doc->getInteger("maxChainDepth").value_or(0);
    r.canDelegate = doc->getBool("canDelegate").value_or(false);
    r.refusal = doc->getString("refusal").value_or("");
    if (const json::Value* agents = doc->find("agents"); agents && agents->isArray())
      for (const auto& a : agents->items()) {
        if (!a.isObject() || !a.getString("id"))
          continue;
        r.agents.push_back({*a.getString("id"), a.getString("node").value_or(""),
                            a.getString("provider").value_or(""), a.getString("model").value_or(""),
                            a.getBool("local").value_or(false),
                            a.getString("description").value_or("")});
      }
    return r;
  }

  bool has(std::string_view id) const {
    for (const auto& a : agents)
      if (a.id == id)
        return true;
    return false;
  }
  /// "grok, opus" (each id once, in roster order); "(none reachable)" when empty.
  std::string ids() const {
    std::string out;
    std::vector<std::string_view> seen;
    for (const auto& a : agents) {
      bool dup = false;
      for (auto s : seen)
        dup = dup || s == a.id;
      if (dup)
        continue;
      seen.push_back(a.id);
      out += (out.empty() ? "" : ", ") + a.id;
    }
    return out.empty() ? "(none reachable)" : out;
  }
};

/// What one tool call produced: the delegation's status and the text to give the model.
struct ToolResult {
  rivet_task_status status = RIVET_TASK_FAILED;
  std::string text;
};

/// At most `maxBytes` of `text` (cut on a UTF-8 boundary), with a note saying how much was cut.
inline std::string capText(std::string text, size_t maxBytes) {
  if (text.size() <= maxBytes)
    return text;
  size_t cut = maxBytes;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80)
    --cut;
  std::string note = "\n[truncated: " + std::to_string(cut) + " of " + std::to_string(text.size()) +
                     " bytes shown]";
  text.resize(cut);
  return text + note;
}

class DelegateTool {
public:
  static constexpr const char* kName = "delegate_task";

  /// `maxResultBytes` caps each result given to the model (0: no cap).
  explicit DelegateTool(const Host& host, size_t maxResultBytes = 64 * 1024)
      : host_(host), maxResultBytes_(maxResultBytes) {}

  /// The roster for this task, fresh from the host: call it once per model turn.
  Roster roster(const Task& task) const { return Roster::parse(host_.rosterJson(task.raw)); }

  /// Whether to offer the tool this turn: the depth limit allows one more hop and someone is
  /// reachable.
  static bool offered(const Roster& r) { return r.canDelegate && !r.agents.empty(); }

  /// The tool's description, naming every agent reachable now with its node and model.
  static std::string description(const Roster& r) {
    std::string d = "Delegate a task to another agent of the mesh and get its answer. Pick the "
                    "agent whose strengths (model, provider) fit the task; give it everything it "
                    "needs, since it does not see this conversation. Agents you can delegate to "
                    "now:";
    for (const auto& a : r.agents) {
      d += "\n- " + a.id + " (" + (a.local ? "on this node, " : "node ") + a.node;
      if (!a.provider.empty())
        d += ", provider " + a.provider;
      if (!a.model.empty())
        d += ", model " + a.model;
      d += ")";
      if (!a.description.empty()) // one line: a description never breaks the list
        for (char c : ": " + capText(a.description, 300))
          d += c == '\n' || c == '\r' ? ' ' : c;
    }
    d += "\nThe answer comes back as text; one that did not complete starts with [failed], "
         "[timeout] or [rejected].";
    return d;
  }

  /// JSON Schema of the arguments (RivetOS's parameters).
  static std::string parametersSchema() {
    return R"({"type":"object","properties":{)"
           R"("to_agent":{"type":"string","description":"Id of the agent to delegate to, from the list in the tool description"},)"
           R"("task":{"type":"string","description":"The task, complete and self-contained"},)"
           R"("context":{"type":"array","items":{"type":"string"},"description":"Facts the agent needs, one per item"},)"
           R"("timeout_ms":{"type":"integer","minimum":1,"description":"How long the agent may work, in milliseconds"},)"
           R"("model":{"type":"string","description":"A model the agent should use instead of its own"}},)"
           R"("required":["to_agent","task"]})";
  }

  /// Runs one tool call. `argsJson` is the arguments as the model wrote them (an object, or
  /// a JSON text holding one). Never throws; bad arguments come back as a [failed] text that
  /// says what to change.
  ToolResult call(const Task& task, std::string_view argsJson, const Roster& r) const {
    if (!r.canDelegate) // the model called a tool it was not offered
      return {RIVET_TASK_REJECTED,
              "[rejected] " +
                  (r.refusal.empty() ? std::string("delegation is not available") : r.refusal)};
    std::string request, problem;
    if (!buildRequest(argsJson, r, request, problem))
      return {RIVET_TASK_FAILED, "[failed] delegate_task: " + problem};
    std::string resultJson;
    rivet_task_status status = host_.delegate(task.raw, request, resultJson);
    auto result = json::tryParse(resultJson);
    std::string text = result && result->isObject()
                           ? result->getString("response").value_or("")
                           : "the host answered with something that is not JSON";
    if (status != RIVET_TASK_COMPLETED)
      text = "[" + std::string(sdk::statusName(status)) + "] " + text;
    return {status, maxResultBytes_ ? capText(std::move(text), maxResultBytes_) : text};
  }

  /// Runs several tool calls at once (each on its own thread), results in the same order.
  std::vector<ToolResult> callAll(const Task& task, const std::vector<std::string>& args,
                                  const Roster& r) const {
    if (args.size() == 1)
      return {call(task, args[0], r)};
    std::vector<std::future<ToolResult>> running;
    for (const auto& a : args)
      running.push_back(
          std::async(std::launch::async, [this, &task, &a, &r] { return call(task, a, r); }));
    std::vector<ToolResult> out;
    for (auto& f : running)
      out.push_back(f.get());
    return out;
  }

private:
  // The host's delegate() request from the model's arguments; false and `problem` when they
  // cannot be used.
  static bool buildRequest(std::string_view argsJson, const Roster& r, std::string& request,
                           std::string& problem) {
    auto parsed = json::tryParse(argsJson);
    // Some models send the arguments object as a JSON string holding it.
    if (parsed && parsed->isString())
      parsed = json::tryParse(parsed->asString());
    if (!parsed || !parsed->isObject()) {
      problem = "the arguments must be a JSON object like {\"to_agent\":\"<id>\",\"task\":\"...\"}";
      return false;
    }
    const json::Value& a = *parsed;
    const json::Value* to = a.find("to_agent");
    if (!to || !to->isString() || to->asString().empty()) {
      problem = "\"to_agent\" is required and must be one of: " + r.ids();
      return false;
    }
    if (!r.has(to->asString())) {
      problem = "\"" + to->asString() +
                "\" is not an agent you can delegate to now; choose one of: " + r.ids();
      return false;
    }
    const json::Value* taskText = a.find("task");
    if (!taskText || !taskText->isString() || taskText->asString().empty()) {
      problem = "\"task\" is required and must be a non-empty string";
      return false;
    }
    std::string message = taskText->asString();
    if (const json::Value* context = a.find("context"); context && !context->isNull()) {
      if (!context->isArray()) {
        problem = "\"context\" must be an array of strings";
        return false;
      }
      std::string lines;
      for (const auto& item : context->items()) {
        if (!item.isString()) {
          problem = "\"context\" must be an array of strings";
          return false;
        }
        lines += "\n- " + item.asString();
      }
      if (!lines.empty())
        message += "\n\nContext:" + lines;
    }
    json::Value req = json::Value::object();
    req.set("toAgent", json::Value::string(to->asString()));
    req.set("message", json::Value::string(std::move(message)));
    if (const json::Value* t = a.find("timeout_ms"); t && !t->isNull()) {
      auto ms = a.getInteger("timeout_ms");
      if (!ms || *ms <= 0) {
        problem = "\"timeout_ms\" must be a positive whole number of milliseconds";
        return false;
      }
      req.set("timeoutMs", json::Value::number(static_cast<double>(*ms)));
    }
    if (const json::Value* m = a.find("model"); m && !m->isNull()) {
      if (!m->isString()) {
        problem = "\"model\" must be a string";
        return false;
      }
      if (!m->asString().empty())
        req.set("model", json::Value::string(m->asString()));
    }
    request = req.dump();
    return true;
  }

  Host host_;
  size_t maxResultBytes_;
};

} // namespace rivet::sdk
