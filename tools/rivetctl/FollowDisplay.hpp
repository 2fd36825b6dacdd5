// What `send --follow` prints while a task runs: the answer's text as it streams on stdout, one
// line per tool call, status line, state and delegation on stderr (indented by the delegation's
// depth, with the time since the submit), and the result at the end.
#pragma once

#include "SseParser.hpp"

#include "rivet/sdk/json.hpp"

#include <chrono>
#include <map>
#include <string>

namespace rivet::ctl {

class FollowDisplay {
public:
  // `rootAgent`, `rootNode`: the task's own agent, whose text goes to stdout.
  FollowDisplay(std::string rootAgent, std::string rootNode);

  // Shows one event; false (with `why`) when its data is not the JSON object its type needs.
  bool show(const SseEvent& e, const sdk::json::Value& data, std::string& why);
  // One line on stderr, after a newline if the streamed text left the terminal mid-line.
  void note(const std::string& text, int depth = 0);
  // The end: the result text on stdout unless it streamed already; a summary line on stderr.
  // Returns the exit code for the result.
  int finish(const std::string& taskId, const std::string& state, const sdk::json::Value& result);

private:
  static constexpr size_t kMaxKept = 16 * 1024 * 1024;
  static constexpr size_t kMaxAgents = 10000;

  int depthOf(const std::string& who) const;
  // Whether `response` is what streamed (compared on the part kept).
  bool streamedWas(const std::string& response) const;
  void endLine();

  std::string root_; // agent@node
  std::chrono::steady_clock::time_point started_;
  std::map<std::string, int> depth_; // agent@node -> delegation depth (root 0), bounded
  std::string streamed_;             // the root agent's text as received, its first kMaxKept
  size_t streamedBytes_ = 0;         // all of it
  bool streamedEndsLine_ = false;    // its last byte is a newline
  bool stdoutMidLine_ = false;
  bool stderrMidLine_ = false;
  std::string lastTextFrom_; // whose text stderr shows mid-line
};

} // namespace rivet::ctl
