// Entry points of the configuration unit: read the file, parse YAML, dispatch the top-level
// sections to their readers, check the cross-key rules, and hand back config plus warnings.
#include "config/ConfigLoader.hpp"

#include "config/A2aSection.hpp"
#include "config/AgentsSection.hpp"
#include "config/ConfigValidation.hpp"
#include "config/FieldReader.hpp"
#include "config/MeshSection.hpp"
#include "config/MetricsSection.hpp"
#include "config/PolicySection.hpp"
#include "config/TasksSection.hpp"
#include "config/YamlLimits.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

namespace rivet::config {
namespace fs = std::filesystem;

namespace {

const std::vector<std::string> kTopKeys = {"mesh",    "plugins", "agents", "tasks",
                                           "metrics", "policy",  "a2a",    "log"};
const std::vector<std::string> kPluginKeys = {"dir", "agents_dir"};
const std::vector<std::string> kLogKeys = {"level", "format", "file", "task_text"};
const std::vector<std::string> kLogLevels = {"trace", "debug",    "info", "warn",
                                             "error", "critical", "off"};

std::string oneOf(const std::vector<std::string>& values) {
  std::string out;
  for (size_t i = 0; i < values.size(); ++i)
    out += (i == 0 ? "" : i + 1 == values.size() ? " or " : ", ") + values[i];
  return out;
}

Plugins readPlugins(const YAML::Node& node, FieldReader& r) {
  Plugins p;
  r.requireMap(node, "plugins", "Write plugins: with indented dir: and agents_dir:");
  r.forEachEntry(node, "plugins", kPluginKeys, [&](const std::string& key, const YAML::Node& v) {
    r.readPath(v, "plugins." + key, key == "dir" ? p.dir : p.agentsDir);
  });
  return p;
}

Log readLog(const YAML::Node& node, FieldReader& r) {
  Log log;
  r.requireMap(node, "log", "Write log: with indented level:, format:, file: and task_text:");
  r.forEachEntry(node, "log", kLogKeys, [&](const std::string& key, const YAML::Node& v) {
    const std::string path = "log." + key;
    if (key == "level") {
      r.readString(v, path, log.level);
      if (std::find(kLogLevels.begin(), kLogLevels.end(), log.level) == kLogLevels.end())
        r.failAt(path, "unknown log level " + r.quote(log.level), "Use " + oneOf(kLogLevels));
    } else if (key == "format") {
      r.readString(v, path, log.format);
      if (log.format != "pretty" && log.format != "json")
        r.failAt(path, "unknown log format " + r.quote(log.format), "Use pretty or json");
    } else if (key == "file") {
      r.readPath(v, path, log.file);
    } else if (key == "task_text") {
      r.readBool(v, path, log.taskText);
    }
  });
  return log;
}

YAML::Node parseYaml(const std::string& yaml, const FieldReader& r) {
  try {
    return YAML::Load(yaml);
  } catch (const YAML::ParserException& e) {
    r.fail(e.mark, "", "YAML syntax error: " + e.msg,
           "Fix the YAML at that position (check indentation, colons and quotes)");
  } catch (const YAML::Exception& e) {
    r.fail(e.mark, "", "cannot read the YAML: " + e.msg, "Check the file's syntax");
  }
}

} // namespace

LoadResult loadConfigText(const std::string& yaml, const std::string& sourcePath,
                          const EnvLookup& env) {
  FieldReader r(sourcePath.empty() ? "(config)" : sourcePath, env);
  checkDocumentSize(yaml.size(), r.sourcePath());
  YAML::Node root = parseYaml(yaml, r);
  checkNodeCount(root, r.sourcePath());
  if (!root.IsNull() && !root.IsMap()) {
    r.fail(root.Mark(), "",
           "the top level must be a map of sections (mesh:, plugins:, agents:, "
           "tasks:, metrics:, policy:, a2a:, log:), found " +
               r.describe(root),
           "Start the file with a section name such as mesh:");
  }
  YAML::Node mesh, plugins, agents, tasks, metrics, policy, a2a, log;
  bool agentsPresent = false;
  r.forEachEntry(root, "", kTopKeys, [&](const std::string& key, const YAML::Node& value) {
    if (key == "mesh")
      mesh = value;
    else if (key == "plugins")
      plugins = value;
    else if (key == "tasks")
      tasks = value;
    else if (key == "metrics")
      metrics = value;
    else if (key == "policy")
      policy = value;
    else if (key == "a2a")
      a2a = value;
    else if (key == "log")
      log = value;
    else if (key == "agents") {
      agents = value;
      agentsPresent = true;
    }
  });

  LoadResult result;
  Config& c = result.config;
  c.sourcePath = sourcePath;
  c.mesh = readMeshSection(mesh, r);
  c.plugins = readPlugins(plugins, r);
  c.agentsSectionPresent = agentsPresent;
  c.agents = readAgentsSection(agents, r);
  c.tasks = readTasks(tasks, r);
  c.metrics = readMetrics(metrics, r);
  c.policy = readPolicy(policy, r);
  c.a2a = readA2a(a2a, r, c.mesh);
  // Tasks waiting for a place wait on request threads (max(64, 2 x mesh.agent_workers)): the
  // queues together may take half of them, so that other agents stay reachable.
  int64_t queued = 0;
  for (const auto& e : c.policy.agents)
    queued += e.queue;
  const int64_t threads = std::max<int64_t>(64, 2 * int64_t(c.mesh.agentWorkers));
  if (queued > threads / 2)
    r.failAt("policy.agents." +
                 std::find_if(c.policy.agents.rbegin(), c.policy.agents.rend(),
                              [](const AgentPolicyConfig& e) { return e.queue > 0; })
                     ->agent +
                 ".queue",
             "the policy's queues hold " + std::to_string(queued) +
                 " waiting tasks in all, more than half of the node's " + std::to_string(threads) +
                 " request threads (max(64, 2 x mesh.agent_workers)): waiting tasks would leave "
                 "none for other agents",
             "Make the queues shorter (at most " + std::to_string(threads / 2) +
                 " in all), or raise mesh.agent_workers");
  for (const auto& e : c.policy.agents) // a hot-dropped agent may bring the id later
    if (e.agent != "*" && agentsPresent &&
        std::none_of(c.agents.begin(), c.agents.end(),
                     [&](const AgentSpec& a) { return a.id == e.agent; }))
      r.warn(r.keyMarkOf("policy.agents." + e.agent),
             "policy.agents." + e.agent + ": no agent " + e.agent +
                 " under agents:; its rules apply once an agent of that id is dropped in "
                 "(check the spelling)");
  c.log = readLog(log, r);
  validateConfig(c, r);
  result.warnings = r.takeWarnings();
  result.positions = r.positions();
  return result;
}

LoadResult loadConfigFile(const std::string& path) {
  const std::string hint = "Pass --config <file> with the path of your rivet.yaml";
  std::error_code ec;
  if (fs::is_directory(path, ec))
    throw ConfigError(path + ": cannot read the configuration file: it is a folder. " + hint + ".");
  // A FIFO nobody writes to (or a socket) would block the read forever: refused at once. A
  // device is read up to the size cap like any file.
  const fs::file_type type = fs::status(path, ec).type();
  if (type == fs::file_type::fifo || type == fs::file_type::socket)
    throw ConfigError(path + ": cannot read the configuration file: it is a " +
                      (type == fs::file_type::fifo ? "FIFO" : "socket") + ", not a file. " + hint +
                      ".");
  errno = 0;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::string reason = errno != 0 ? std::strerror(errno) : "cannot open it";
    throw ConfigError(path + ": cannot read the configuration file: " + reason + ". " + hint + ".");
  }
  // One byte past the cap is enough to refuse the file, however large it is (or a link to
  // /dev/zero).
  std::string text(kMaxConfigBytes + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  if (in.bad())
    throw ConfigError(path + ": cannot read the configuration file: read error. " + hint + ".");
  text.resize(static_cast<size_t>(in.gcount()));
  return loadConfigText(text, path, processEnv());
}

std::string defaultConfigPath() {
  std::error_code ec;
  if (fs::exists("./config/rivet.yaml", ec))
    return "./config/rivet.yaml";
  return "/etc/rivet/rivet.yaml";
}

} // namespace rivet::config
