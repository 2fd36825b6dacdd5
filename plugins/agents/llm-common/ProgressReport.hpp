// What an LLM agent tells the watchers of its task while it runs (ABI 1.3 progress): the answer's
// text as it streams, each delegate_task call and its outcome. Never blocks or fails the task.
#pragma once

#include <rivet/sdk/plugin.hpp>

#include <string>

namespace rivet::llm {

class ProgressReport {
public:
  ProgressReport(const sdk::Host& host, const sdk::Task& task) : host_(host), task_(task) {}

  /// "text": a piece of the answer.
  void text(const std::string& piece) const;
  /// "tool": `delegate_task → <to_agent>: <first 100 characters of the task>`.
  void delegation(const std::string& arguments) const;
  /// "status": `delegate_task ← <to_agent>: <status>`.
  void outcome(const std::string& arguments, rivet_task_status status) const;

  /// The first `count` characters (UTF-8 code points) of `text`.
  static std::string firstCharacters(const std::string& text, size_t count);

private:
  const sdk::Host& host_;
  const sdk::Task& task_;
};

} // namespace rivet::llm
