// Progress lines of the tool loop, read from the model's delegate_task arguments as the tool reads
// them (an object, or a string holding one); what cannot be read is shown as such.
#include "ProgressReport.hpp"

#include <rivet/sdk/delegate_tool.hpp>
#include <rivet/sdk/json.hpp>

namespace rivet::llm {
namespace {

namespace json = sdk::json;

// to_agent and task of delegate_task arguments, "?" for what is missing or not a string.
std::pair<std::string, std::string> target(const std::string& arguments) {
  auto parsed = json::tryParse(arguments);
  if (parsed && parsed->isString())
    parsed = json::tryParse(parsed->asString());
  if (!parsed || !parsed->isObject())
    return {"?", "(arguments that are not a JSON object)"};
  return {parsed->getString("to_agent").value_or("?"), parsed->getString("task").value_or("")};
}

} // namespace

std::string ProgressReport::firstCharacters(const std::string& text, size_t count) {
  size_t end = 0;
  for (size_t seen = 0; end < text.size() && seen < count; ++seen) {
    ++end;
    while (end < text.size() && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80)
      ++end; // the continuation bytes of this character
  }
  return text.substr(0, end);
}

void ProgressReport::text(const std::string& piece) const {
  if (!piece.empty())
    (void)host_.progress(task_.raw, "text", piece); // false: nobody takes it, which is fine
}

void ProgressReport::delegation(const std::string& arguments) const {
  auto [agent, task] = target(arguments);
  (void)host_.progress(task_.raw, "tool",
                       std::string(sdk::DelegateTool::kName) + " → " + agent + ": " +
                           firstCharacters(task, 100));
}

void ProgressReport::outcome(const std::string& arguments, rivet_task_status status) const {
  (void)host_.progress(task_.raw, "status",
                       std::string(sdk::DelegateTool::kName) + " ← " + target(arguments).first +
                           ": " + sdk::statusName(status));
}

} // namespace rivet::llm
