// Reads a `command` agent's settings: types, ranges, and whether argv[0] is a program this node
// can run. Every refusal names the key and says how to fix it.
#include "CommandSettings.hpp"

#include <rivet/sdk/plugin.hpp>

#include <Poco/JSON/Parser.h>

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <set>

namespace rivet::command {
namespace {

using Poco::Dynamic::Var;
using sdk::PluginError;

const std::set<std::string> kKnownKeys = {"argv",          "timeout_ms", "max_output_bytes",
                                          "kill_grace_ms", "cwd",        "env",
                                          "provider",      "model",      "stderr_progress"};
constexpr const char* kDefaultPath = "/usr/local/bin:/usr/bin:/bin";

std::string shown(const Var& v) {
  if (v.isEmpty())
    return "null";
  if (v.isString())
    return "'" + v.extract<std::string>() + "'";
  try {
    return v.toString();
  } catch (const Poco::Exception&) {
    return "a " + std::string(v.isArray() ? "list" : "map");
  }
}

// A whole number >= min, from a JSON integer, an integral float, or a string of digits (what
// ${VAR} substitution yields).
int64_t wholeNumber(const Poco::JSON::Object& o, const std::string& key, int64_t min,
                    const char* meaning) {
  const Var v = o.get(key);
  bool ok = false;
  int64_t n = 0;
  if (v.isBoolean() || v.isEmpty()) {
    ok = false;
  } else if (v.isInteger()) {
    n = v.convert<Poco::Int64>();
    ok = true;
  } else if (v.isNumeric()) {
    double d = v.convert<double>();
    ok = std::floor(d) == d && std::fabs(d) < 9.0e15;
    n = ok ? static_cast<int64_t>(d) : 0;
  } else if (v.isString()) {
    const std::string s = v.extract<std::string>();
    ok = !s.empty() && s.size() <= 15 && s.find_first_not_of("0123456789") == std::string::npos;
    n = ok ? std::stoll(s) : 0;
  }
  if (!ok || n < min)
    throw PluginError(key + " must be " + meaning + ", got " + shown(v));
  return n;
}

std::string text(const Poco::JSON::Object& o, const std::string& key) {
  const Var v = o.get(key);
  if (!v.isString())
    throw PluginError(key + " must be a string, got " + shown(v));
  return v.extract<std::string>();
}

// Environment values: strings, or numbers and booleans as written.
std::string envValue(const std::string& name, const Var& v) {
  if (v.isString())
    return v.extract<std::string>();
  if (v.isEmpty() || v.isArray() || v.isStruct())
    throw PluginError("env." + name + " must be a string, a number or a boolean, got " + shown(v));
  return v.toString();
}

bool isExecutableFile(const std::string& path, std::string& why) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    why = std::strerror(errno);
    return false;
  }
  if (!S_ISREG(st.st_mode)) {
    why = "not a regular file";
    return false;
  }
  if (::access(path.c_str(), X_OK) != 0) {
    why = "not executable (" + std::string(std::strerror(errno)) + ")";
    return false;
  }
  return true;
}

// argv[0] as rivetd will run it: an absolute path, or the first match in PATH.
std::string resolveProgram(const std::string& name) {
  std::string why;
  if (name.empty())
    throw PluginError(
        "argv[0] is empty; give the program to run, e.g. argv: [\"/usr/bin/python3\", "
        "\"review.py\"]");
  if (name.find('/') != std::string::npos) {
    if (name[0] != '/')
      throw PluginError("argv[0] '" + name +
                        "' is a relative path; give an absolute path or a program name found "
                        "in PATH");
    if (!isExecutableFile(name, why))
      throw PluginError("argv[0] '" + name + "' cannot be run: " + why +
                        "; check the path and its permissions");
    return name;
  }
  const char* env = std::getenv("PATH");
  const std::string path = env && *env ? env : kDefaultPath;
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find(':', start);
    if (end == std::string::npos)
      end = path.size();
    std::string dir = path.substr(start, end - start);
    if (!dir.empty() && dir[0] == '/') { // relative PATH entries depend on the cwd: skipped
      std::string candidate = dir + (dir.back() == '/' ? "" : "/") + name;
      if (isExecutableFile(candidate, why))
        return candidate;
    }
    start = end + 1;
  }
  throw PluginError("argv[0] '" + name + "' was not found as an executable in PATH (" + path +
                    "); give an absolute path or install it");
}

std::vector<std::string> readArgv(const Poco::JSON::Object& o) {
  if (!o.has("argv"))
    throw PluginError("needs an argv setting: the program and its arguments as a list, e.g. "
                      "argv: [\"/usr/bin/python3\", \"review.py\"]");
  Poco::JSON::Array::Ptr list = o.getArray("argv");
  if (!list)
    throw PluginError("argv must be a list of strings (the program and its arguments, no shell), "
                      "got " +
                      shown(o.get("argv")));
  if (list->size() == 0)
    throw PluginError("argv is empty; give at least the program to run");
  std::vector<std::string> argv;
  for (size_t i = 0; i < list->size(); ++i) {
    const Var v = list->get(static_cast<unsigned>(i));
    if (!v.isString())
      throw PluginError("argv[" + std::to_string(i) + "] must be a string, got " + shown(v));
    argv.push_back(v.extract<std::string>());
    if (argv.back().find('\0') != std::string::npos)
      throw PluginError("argv[" + std::to_string(i) + "] contains a NUL character");
  }
  return argv;
}

std::vector<std::pair<std::string, std::string>> readEnv(const Poco::JSON::Object& o) {
  Poco::JSON::Object::Ptr map = o.getObject("env");
  if (!map)
    throw PluginError("env must be a map of variable names to values, got " + shown(o.get("env")));
  std::vector<std::pair<std::string, std::string>> env;
  for (const auto& [name, value] : *map) {
    if (name.empty() || name.find_first_of("=") != std::string::npos ||
        name.find('\0') != std::string::npos)
      throw PluginError("env: '" + name + "' is not a valid environment variable name");
    env.emplace_back(name, envValue(name, value));
  }
  return env;
}

} // namespace

CommandSettings CommandSettings::parse(const std::string& json) {
  Poco::JSON::Object::Ptr o;
  try {
    o = Poco::JSON::Parser().parse(json.empty() ? "{}" : json).extract<Poco::JSON::Object::Ptr>();
  } catch (const Poco::Exception& e) {
    throw PluginError("settings are not a JSON object: " + e.displayText());
  }
  CommandSettings s;
  s.argv = readArgv(*o);
  s.program = resolveProgram(s.argv[0]);
  if (o->has("timeout_ms"))
    s.timeoutMs = wholeNumber(*o, "timeout_ms", 1, "a positive number of milliseconds");
  if (o->has("max_output_bytes"))
    s.maxOutputBytes = static_cast<size_t>(
        wholeNumber(*o, "max_output_bytes", 1, "a positive number of bytes (default 1048576)"));
  if (o->has("kill_grace_ms"))
    s.killGraceMs = wholeNumber(*o, "kill_grace_ms", 0, "a number of milliseconds, 0 or more");
  if (o->has("cwd")) {
    s.cwd = text(*o, "cwd");
    struct stat st {};
    if (s.cwd.empty() || s.cwd[0] != '/' || ::stat(s.cwd.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
      throw PluginError("cwd '" + s.cwd + "' is not an existing directory given by absolute path");
  }
  if (o->has("env"))
    s.env = readEnv(*o);
  if (o->has("provider"))
    s.provider = text(*o, "provider");
  if (o->has("stderr_progress")) {
    if (!o->get("stderr_progress").isBoolean())
      throw PluginError("stderr_progress must be true or false");
    s.stderrProgress = o->getValue<bool>("stderr_progress");
  }
  const std::string& argv0 = s.argv[0];
  s.model = o->has("model") ? text(*o, "model") : argv0.substr(argv0.rfind('/') + 1);
  for (const auto& entry : *o)
    if (!kKnownKeys.count(entry.first))
      s.unknownKeys.push_back(entry.first);
  return s;
}

} // namespace rivet::command
