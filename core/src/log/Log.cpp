// One sink, many component loggers; reconfigurable once the configuration is read.
#include "log/Log.hpp"

#include "log/LineFormatter.hpp"
#include "log/PocoBridge.hpp"
#include "log/ReopenableFileSink.hpp"
#include "log/TaskText.hpp"

#include <cstdlib>
#include <map>
#include <mutex>
#include <stdexcept>
#include <utility>

#include <spdlog/sinks/stdout_sinks.h>

namespace rivet::log {
namespace {

struct State {
  std::mutex mutex;
  spdlog::sink_ptr sink;
  std::shared_ptr<ReopenableFileSink> file; // the sink when log.file is set
  spdlog::level::level_enum level = spdlog::level::info;
  std::map<std::string, std::shared_ptr<spdlog::logger>> loggers;
};

State& state() {
  static State s;
  return s;
}

spdlog::sink_ptr makeSink(const Settings& s) {
  spdlog::sink_ptr sink;
  if (s.file.empty()) {
    sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
  } else {
    try {
      sink = std::make_shared<ReopenableFileSink>(s.file);
    } catch (const spdlog::spdlog_ex& e) {
      throw std::runtime_error("cannot open log.file " + s.file + ": " + e.what() +
                               "; check the folder exists and is writable");
    }
  }
  sink->set_formatter(std::make_unique<LineFormatter>(s.format == "json"));
  return sink;
}

} // namespace

std::optional<spdlog::level::level_enum> parseLevel(const std::string& name) {
  static const std::map<std::string, spdlog::level::level_enum> names = {
      {"trace", spdlog::level::trace}, {"debug", spdlog::level::debug},
      {"info", spdlog::level::info},   {"warn", spdlog::level::warn},
      {"error", spdlog::level::err},   {"critical", spdlog::level::critical},
      {"off", spdlog::level::off}};
  auto it = names.find(name);
  if (it == names.end())
    return std::nullopt;
  return it->second;
}

Settings withEnvironment(Settings s) {
  if (const char* level = std::getenv("RIVET_LOG_LEVEL"); level && *level)
    s.level = level;
  if (const char* format = std::getenv("RIVET_LOG_FORMAT"); format && *format)
    s.format = format;
  return s;
}

void configure(const Settings& s) {
  auto level = parseLevel(s.level);
  if (!level)
    throw std::runtime_error("unknown log level '" + s.level +
                             "'; use trace, debug, info, warn, error, critical or off");
  if (s.format != "pretty" && s.format != "json")
    throw std::runtime_error("unknown log format '" + s.format + "'; use pretty or json");
  auto sink = makeSink(s);
  State& st = state();
  std::lock_guard<std::mutex> lock(st.mutex);
  st.sink = sink;
  st.file = std::dynamic_pointer_cast<ReopenableFileSink>(sink);
  st.level = *level;
  setTaskTextLogged(s.taskText);
  for (auto& [name, logger] : st.loggers) {
    logger->sinks() = {sink};
    logger->set_level(*level);
    logger->flush_on(spdlog::level::trace);
  }
  bridgePocoLogging(*level);
}

std::shared_ptr<spdlog::logger> get(const std::string& component) {
  State& st = state();
  std::lock_guard<std::mutex> lock(st.mutex);
  auto it = st.loggers.find(component);
  if (it != st.loggers.end())
    return it->second;
  if (!st.sink)
    st.sink = makeSink(Settings{});
  auto logger = std::make_shared<spdlog::logger>(component, st.sink);
  logger->set_level(st.level);
  logger->flush_on(spdlog::level::trace);
  st.loggers.emplace(component, logger);
  return logger;
}

std::optional<std::string> reopenFile() {
  std::shared_ptr<ReopenableFileSink> file;
  {
    State& st = state();
    std::lock_guard<std::mutex> lock(st.mutex);
    file = st.file;
  }
  if (!file)
    return std::nullopt;
  if (auto error = file->reopen())
    return "cannot reopen log.file " + file->path() + ": " + *error +
           "; still writing to the file it had open (make the path a file rivetd may write, "
           "then send SIGHUP again)";
  return std::nullopt;
}

void flush() {
  State& st = state();
  std::lock_guard<std::mutex> lock(st.mutex);
  if (st.sink)
    st.sink->flush();
}

namespace {
thread_local std::string currentTask;
thread_local std::string currentTrace;
} // namespace

TaskScope::TaskScope(std::string_view taskId, std::string_view traceId)
    : previousTask_(currentTask), previousTrace_(currentTrace) { // (empty outside any scope)
  currentTask.assign(taskId);
  currentTrace.assign(traceId);
}

TaskScope::~TaskScope() {
  currentTask.assign(previousTask_);
  currentTrace.assign(previousTrace_);
}

const std::string& TaskScope::taskId() {
  return currentTask;
}
const std::string& TaskScope::traceId() {
  return currentTrace;
}

} // namespace rivet::log
