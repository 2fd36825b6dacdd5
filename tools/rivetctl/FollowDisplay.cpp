// Formatting of the live view. Everything a node sent is made printable for stderr; stdout gets
// the answer's bytes as they are unless it is a terminal.
#include "FollowDisplay.hpp"

#include "LocalNode.hpp"

#include <unistd.h>

#include <cstdio>
#include <iostream>

namespace rivet::ctl {
namespace {

std::string seconds(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1fs", s);
  return buf;
}

std::string who(const sdk::json::Value& v) {
  return field(v, "agent", "?") + "@" + field(v, "node", "?");
}

// The answer's text for stdout: as received, or printable when stdout is a terminal.
std::string forStdout(const std::string& text) {
  static const bool tty = ::isatty(STDOUT_FILENO) == 1;
  return tty ? printable(text, true) : text;
}

} // namespace

FollowDisplay::FollowDisplay(std::string rootAgent, std::string rootNode)
    : root_(std::move(rootAgent) + "@" + std::move(rootNode)),
      started_(std::chrono::steady_clock::now()) {
  depth_[root_] = 0;
}

int FollowDisplay::depthOf(const std::string& w) const {
  auto it = depth_.find(w);
  return it == depth_.end() ? 1 : it->second;
}

void FollowDisplay::endLine() {
  if (stdoutMidLine_ || stderrMidLine_) {
    std::cout.flush();
    std::fputc('\n', stderr);
  }
  stdoutMidLine_ = stderrMidLine_ = false;
}

void FollowDisplay::note(const std::string& text, int depth) {
  endLine();
  std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - started_;
  std::fprintf(stderr, "[%7s] %s%s\n", seconds(elapsed.count()).c_str(),
               std::string(2 * static_cast<size_t>(depth), ' ').c_str(), text.c_str());
}

bool FollowDisplay::show(const SseEvent& e, const sdk::json::Value& d, std::string& why) {
  if (!d.isObject()) {
    why = "event " + std::to_string(e.id) + " (" + printable(e.type) +
          ") has data that is not a JSON object in UTF-8";
    return false;
  }
  if (e.type == "state") {
    note("state: " + field(d, "state", "?"));
  } else if (e.type == "progress") {
    std::string kind = field(d, "kind", "?");
    std::string from = who(d);
    auto text = d.getString("text").value_or("");
    if (kind == "text" && from == root_) {
      if (stderrMidLine_)
        endLine();
      std::cout << forStdout(text) << std::flush;
      streamed_.append(text, 0, std::min(text.size(), kMaxKept - streamed_.size()));
      streamedBytes_ += text.size();
      streamedEndsLine_ = text.empty() ? streamedEndsLine_ : text.back() == '\n';
      stdoutMidLine_ = !text.empty() ? text.back() != '\n' : stdoutMidLine_;
    } else if (kind == "text") { // a delegate's answer as it streams: on stderr, marked
      if (stdoutMidLine_ || lastTextFrom_ != from)
        endLine();
      if (!stderrMidLine_)
        std::fprintf(stderr, "%s[%s] ", std::string(2 * depthOf(from) + 10, ' ').c_str(),
                     from.c_str());
      std::string shown = printable(text, true);
      std::fputs(shown.c_str(), stderr);
      stderrMidLine_ = shown.empty() || shown.back() != '\n';
      lastTextFrom_ = from;
    } else {
      note(kind + " " + from + ": " + printable(text), depthOf(from));
    }
  } else if (e.type == "delegation") {
    std::string child = who(d);
    std::string phase = field(d, "phase", "?");
    if (phase == "started") {
      int depth = depthOf(field(d, "from", "?")) + 1;
      if (depth_.size() < kMaxAgents || depth_.count(child))
        depth_[child] = depth;
      note("-> " + child + " started by " + field(d, "from", "?") + " (task " +
               field(d, "taskId", "?") + ")",
           depth);
    } else {
      std::string line = "<- " + child + " " + field(d, "state", phase);
      const sdk::json::Value* r = d.find("result");
      if (r && r->isObject() && r->getInteger("durationMs"))
        line += " in " + seconds(static_cast<double>(*r->getInteger("durationMs")) / 1000);
      note(line, depthOf(child));
    }
  } else if (e.type == "gap") {
    note("events " + std::to_string(d.getInteger("missedFrom").value_or(0)) + " to " +
         std::to_string(d.getInteger("missedTo").value_or(0)) +
         " are no longer kept by the node: the progress in between is not shown");
  }
  return true;
}

bool FollowDisplay::streamedWas(const std::string& response) const {
  return response.size() == streamedBytes_ && response.compare(0, streamed_.size(), streamed_) == 0;
}

int FollowDisplay::finish(const std::string& taskId, const std::string& state,
                          const sdk::json::Value& result) {
  std::string status = field(result, "status", state);
  std::string response = result.isObject() ? result.getString("response").value_or("") : "";
  std::string duration;
  if (result.isObject() && result.getInteger("durationMs"))
    duration = " in " + seconds(static_cast<double>(*result.getInteger("durationMs")) / 1000);
  if (state == "completed" && status == "completed") {
    if (streamedBytes_ == 0)
      std::cout << forStdout(response) << "\n";
    else if (streamedWas(response))
      std::cout << (streamedEndsLine_ ? "" : "\n");
    else
      std::cout << (streamedEndsLine_ ? "" : "\n") << forStdout(response) << "\n";
    std::cout.flush();
    stdoutMidLine_ = false;
    note("completed" + duration + " (" + field(result, "agent", "?") + ")");
    return 0;
  }
  note(state + (status != state ? " (" + status + ")" : "") + duration);
  std::cerr << "rivetctl: task " << taskId << " " << status << ": " << printable(response, true)
            << "\n";
  return 1;
}

} // namespace rivet::ctl
