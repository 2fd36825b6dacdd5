// Formats one log record as a pretty line or a JSON line.
#include "log/LineFormatter.hpp"

#include "log/Log.hpp"

#include <ctime>

namespace rivet::log {
namespace {

const char* levelName(spdlog::level::level_enum l) {
  switch (l) {
  case spdlog::level::trace:
    return "TRACE";
  case spdlog::level::debug:
    return "DEBUG";
  case spdlog::level::info:
    return "INFO";
  case spdlog::level::warn:
    return "WARN";
  case spdlog::level::err:
    return "ERROR";
  case spdlog::level::critical:
    return "FATAL";
  default:
    return "OFF";
  }
}

void appendJsonString(spdlog::memory_buf_t& out, spdlog::string_view_t s) {
  static const char* hex = "0123456789abcdef";
  out.push_back('"');
  for (char c : s) {
    switch (c) {
    case '"':
      out.append(std::string_view("\\\""));
      break;
    case '\\':
      out.append(std::string_view("\\\\"));
      break;
    case '\n':
      out.append(std::string_view("\\n"));
      break;
    case '\t':
      out.append(std::string_view("\\t"));
      break;
    case '\r':
      out.append(std::string_view("\\r"));
      break;
    default:
      if (static_cast<unsigned char>(c) < 0x20) {
        char esc[6] = {'\\', 'u', '0', '0', hex[(c >> 4) & 0xf], hex[c & 0xf]};
        out.append(esc, esc + 6);
      } else {
        out.push_back(c);
      }
    }
  }
  out.push_back('"');
}

} // namespace

void LineFormatter::format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) {
  using namespace std::chrono;
  auto ms = duration_cast<milliseconds>(msg.time.time_since_epoch()).count();
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  char stamp[40];
  if (json_) {
    gmtime_r(&secs, &tm);
    size_t n = std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
    std::snprintf(stamp + n, sizeof stamp - n, ".%03dZ", static_cast<int>(ms % 1000));
    dest.append(std::string_view("{\"level\":\""));
    std::string_view level = levelName(msg.level);
    for (char c : level)
      dest.push_back(static_cast<char>(c - 'A' + 'a'));
    dest.append(std::string_view("\",\"component\":"));
    appendJsonString(dest, msg.logger_name);
    dest.append(std::string_view(",\"message\":"));
    appendJsonString(dest, msg.payload);
    if (const std::string& task = TaskScope::taskId(); !task.empty()) {
      dest.append(std::string_view(",\"taskId\":"));
      appendJsonString(dest, task);
    }
    if (const std::string& trace = TaskScope::traceId(); !trace.empty()) {
      dest.append(std::string_view(",\"traceId\":"));
      appendJsonString(dest, trace);
    }
    dest.append(std::string_view(",\"timestamp\":\""));
    dest.append(std::string_view(stamp));
    dest.append(std::string_view("\"}\n"));
    return;
  }
  localtime_r(&secs, &tm);
  std::snprintf(stamp, sizeof stamp, "%02d:%02d:%02d.%03d ", tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(ms % 1000));
  dest.append(std::string_view(stamp));
  char level[8];
  std::snprintf(level, sizeof level, "%-5s ", levelName(msg.level));
  dest.append(std::string_view(level));
  dest.push_back('[');
  dest.append(msg.logger_name.begin(), msg.logger_name.end());
  dest.append(std::string_view("] "));
  // One record, one line: a line break or control character inside a message (a peer's answer,
  // a program's stderr) is written escaped, so it cannot forge a line of its own.
  for (char c : msg.payload) {
    if (c == '\n')
      dest.append(std::string_view("\\n"));
    else if (c == '\r')
      dest.append(std::string_view("\\r"));
    else if (static_cast<unsigned char>(c) < 0x20 && c != '\t') {
      static const char* hex = "0123456789abcdef";
      char esc[4] = {'\\', 'x', hex[(c >> 4) & 0xf], hex[c & 0xf]};
      dest.append(esc, esc + 4);
    } else {
      dest.push_back(c);
    }
  }
  const std::string& task = TaskScope::taskId();
  const std::string& trace = TaskScope::traceId();
  if (!task.empty() || !trace.empty()) {
    dest.append(std::string_view(" ["));
    std::string tags = task.empty() ? "" : "task=" + task;
    if (!trace.empty())
      tags += (tags.empty() ? "trace=" : " trace=") + trace;
    dest.append(std::string_view(tags));
    dest.push_back(']');
  }
  dest.push_back('\n');
}

std::unique_ptr<spdlog::formatter> LineFormatter::clone() const {
  return std::make_unique<LineFormatter>(json_);
}

} // namespace rivet::log
