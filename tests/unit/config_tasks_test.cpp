// `tasks:` (ours): defaults when absent or empty, every key read, range and type errors with
// file:line:col, key, value and range, the default timeout within the longest one, unknown keys
// with a suggestion, a section that is not a map, and the --check-config printout.
#include "config/ConfigLoader.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

using namespace rivet::config;

namespace {

struct TasksKey {
  std::string name;
  int64_t defaultValue, min, max;
};

// The documented table (docs/configuration.md, `tasks`), written out independently of the
// reader's own list so that a change to either one shows here.
const std::vector<TasksKey> kKeys = {
    {"retention_hours", 168, 1, 87600},
    {"max_finished", 10000, 10, 10000000},
    {"events_per_task", 1000, 10, 100000},
    {"keepalive_ms", 15000, 100, 300000},
    {"disconnect_grace_ms", 15000, 100, 3600000},
    {"max_running", 64, 1, 4096},
    {"default_timeout_ms", 600000, 1000, 604800000},
    {"max_timeout_ms", 86400000, 1000, 604800000},
    {"progress_per_second", 20, 1, 100000},
    {"progress_burst", 100, 1, 100000},
};

EnvLookup noEnv() {
  return [](const std::string&) { return std::optional<std::string>(); };
}

LoadResult load(const std::string& yaml) {
  return loadConfigText(yaml, "rivet.yaml", noEnv());
}

std::string errorOf(const std::string& yaml) {
  try {
    load(yaml);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "(no error)";
}

// `key: value` alone in tasks:, the value at line 2, column 5 + key length.
std::string oneKey(const std::string& key, const std::string& value) {
  return "tasks:\n  " + key + ": " + value + "\n";
}

std::string where(const std::string& key) {
  return "rivet.yaml:2:" + std::to_string(5 + key.size()) + ": tasks." + key + ": ";
}

std::string range(const TasksKey& k) {
  return "a whole number from " + std::to_string(k.min) + " to " + std::to_string(k.max);
}

int64_t fieldOf(const TasksConfig& t, const std::string& key) {
  if (key == "retention_hours")
    return t.retentionHours;
  if (key == "max_finished")
    return t.maxFinished;
  if (key == "events_per_task")
    return t.eventsPerTask;
  if (key == "keepalive_ms")
    return t.keepaliveMs;
  if (key == "disconnect_grace_ms")
    return t.disconnectGraceMs;
  if (key == "max_running")
    return t.maxRunning;
  if (key == "default_timeout_ms")
    return t.defaultTimeoutMs;
  if (key == "max_timeout_ms")
    return t.maxTimeoutMs;
  if (key == "progress_per_second")
    return t.progressPerSecond;
  if (key == "progress_burst")
    return t.progressBurst;
  ADD_FAILURE() << "no field for " << key;
  return -1;
}

// Within the range and unlike the default; the default timeout stays within the longest.
int64_t otherValue(const TasksKey& k) {
  return k.defaultValue + 1;
}

// Lets a value of `key` stand alone: the other timeout moves out of its way.
std::string withRoomFor(const std::string& key, int64_t value) {
  std::string yaml = oneKey(key, std::to_string(value));
  if (key == "default_timeout_ms")
    yaml += "  max_timeout_ms: 604800000\n";
  if (key == "max_timeout_ms")
    yaml += "  default_timeout_ms: 1000\n";
  return yaml;
}

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

} // namespace

TEST(ConfigTasks, AbsentOrEmptySectionGivesEveryDefault) {
  for (const char* yaml :
       {"", "mesh:\n  enabled: false\n", "tasks:\n", "tasks: ~\n", "tasks: {}\n"}) {
    auto r = load(yaml);
    EXPECT_TRUE(r.warnings.empty()) << yaml;
    for (const auto& k : kKeys)
      EXPECT_EQ(fieldOf(r.config.tasks, k.name), k.defaultValue) << k.name << " in " << yaml;
  }
}

TEST(ConfigTasks, AKeyLeftEmptyKeepsItsDefault) {
  auto t = load("tasks:\n  retention_hours:\n  max_running: ~\n").config.tasks;
  EXPECT_EQ(t.retentionHours, 168);
  EXPECT_EQ(t.maxRunning, 64);
}

TEST(ConfigTasks, EveryKeyIsReadAndOnlyThatKeyChanges) {
  for (const auto& k : kKeys) {
    auto r = load(oneKey(k.name, std::to_string(otherValue(k))));
    EXPECT_TRUE(r.warnings.empty()) << k.name;
    for (const auto& other : kKeys) {
      int64_t expected = other.name == k.name ? otherValue(k) : other.defaultValue;
      EXPECT_EQ(fieldOf(r.config.tasks, other.name), expected)
          << other.name << " after setting " << k.name;
    }
  }
}

TEST(ConfigTasks, BothEndsOfEveryRangeAreAccepted) {
  for (const auto& k : kKeys) {
    for (int64_t v : {k.min, k.max})
      EXPECT_EQ(fieldOf(load(withRoomFor(k.name, v)).config.tasks, k.name), v) << k.name;
  }
}

TEST(ConfigTasks, AllKeysTogetherInFlowStyle) {
  auto t = load("tasks: {retention_hours: 24, max_finished: 500, events_per_task: 200, "
                "keepalive_ms: 5000, disconnect_grace_ms: 30000, max_running: 8, "
                "default_timeout_ms: 120000, max_timeout_ms: 3600000}\n")
               .config.tasks;
  EXPECT_EQ(t.retentionHours, 24);
  EXPECT_EQ(t.maxFinished, 500);
  EXPECT_EQ(t.eventsPerTask, 200);
  EXPECT_EQ(t.keepaliveMs, 5000);
  EXPECT_EQ(t.disconnectGraceMs, 30000);
  EXPECT_EQ(t.maxRunning, 8);
  EXPECT_EQ(t.defaultTimeoutMs, 120000);
  EXPECT_EQ(t.maxTimeoutMs, 3600000);
}

TEST(ConfigTasks, ValuesBelowOrAboveTheRangeAreRefusedNamingTheKeyTheValueAndTheRange) {
  for (const auto& k : kKeys) {
    for (int64_t v : {k.min - 1, k.max + 1}) {
      EXPECT_EQ(errorOf(withRoomFor(k.name, v)), where(k.name) + std::to_string(v) +
                                                     " is out of range: expected " + range(k) +
                                                     ". Choose a value in that range.");
    }
  }
}

TEST(ConfigTasks, NegativeNumbersAreRefusedNamingTheKeyAndTheRange) {
  for (const auto& k : kKeys) {
    EXPECT_EQ(errorOf(oneKey(k.name, "-5")), where(k.name) + "-5 is out of range: expected " +
                                                 range(k) + ". Choose a value in that range.");
  }
}

TEST(ConfigTasks, NonIntegersAreRefusedNamingTheKeyTheValueAndTheRange) {
  for (const auto& k : kKeys) {
    for (const char* value :
         {"ten", "1.5", "1e3", "10s", "true", "false", "99999999999999999999"}) {
      EXPECT_EQ(errorOf(oneKey(k.name, value)), where(k.name) + "expected " + range(k) +
                                                    ", found \"" + value + "\". Write " + range(k) +
                                                    " (digits only).")
          << k.name << " = " << value;
    }
    EXPECT_EQ(errorOf(oneKey(k.name, "\"100\"")),
              where(k.name) + "expected " + range(k) +
                  ", found the quoted string \"100\". Write the number without quotes.");
    EXPECT_EQ(errorOf(oneKey(k.name, "[1, 2]")), where(k.name) + "expected " + range(k) +
                                                     ", found a list. Write " + range(k) +
                                                     " (digits only).");
    EXPECT_TRUE(has(errorOf(oneKey(k.name, "{a: 1}")),
                    where(k.name) + "expected " + range(k) + ", found a map."));
  }
}

TEST(ConfigTasks, DefaultTimeoutAboveMaxTimeoutIsRefusedNamingBothKeys) {
  EXPECT_EQ(errorOf("tasks:\n  max_timeout_ms: 60000\n  default_timeout_ms: 120000\n"),
            "rivet.yaml:3:23: tasks.default_timeout_ms: 120000 is greater than "
            "tasks.max_timeout_ms (60000), the longest timeout a submit may ask for. Lower "
            "default_timeout_ms to at most max_timeout_ms, or raise max_timeout_ms.");
  // Against the other's default, the error points at the key that is written.
  EXPECT_EQ(errorOf(oneKey("max_timeout_ms", "300000")),
            "rivet.yaml:2:19: tasks.default_timeout_ms: 600000 (its default) is greater than "
            "tasks.max_timeout_ms (300000), the longest timeout a submit may ask for. Lower "
            "default_timeout_ms to at most max_timeout_ms, or raise max_timeout_ms.");
  EXPECT_TRUE(has(errorOf(oneKey("default_timeout_ms", "90000000")),
                  "rivet.yaml:2:23: tasks.default_timeout_ms: 90000000 is greater than "
                  "tasks.max_timeout_ms (86400000)"));
}

TEST(ConfigTasks, DefaultTimeoutEqualToMaxTimeoutIsAccepted) {
  auto t = load("tasks: {default_timeout_ms: 5000, max_timeout_ms: 5000}\n").config.tasks;
  EXPECT_EQ(t.defaultTimeoutMs, 5000);
  EXPECT_EQ(t.maxTimeoutMs, 5000);
}

TEST(ConfigTasks, UnknownKeyWarnsWithTheNearestKnownKeyAndIsNotApplied) {
  auto r = load("tasks:\n  keepalive: 5000\n  maxRunning: 8\n");
  ASSERT_EQ(r.warnings.size(), 2u);
  EXPECT_EQ(r.warnings[0],
            "rivet.yaml:2:3: unknown key tasks.keepalive (did you mean tasks.keepalive_ms?)");
  EXPECT_EQ(r.warnings[1],
            "rivet.yaml:3:3: unknown key tasks.maxRunning (did you mean tasks.max_running?)");
  EXPECT_EQ(r.config.tasks.keepaliveMs, 15000);
  EXPECT_EQ(r.config.tasks.maxRunning, 64);
}

TEST(ConfigTasks, UnknownKeyFarFromAnyListsTheKnownKeys) {
  auto r = load(oneKey("colour", "red"));
  ASSERT_EQ(r.warnings.size(), 1u);
  std::string known;
  for (const auto& k : kKeys)
    known += (known.empty() ? "" : ", ") + k.name;
  EXPECT_EQ(r.warnings[0],
            "rivet.yaml:2:3: unknown key tasks.colour is ignored (known keys here: " + known + ")");
}

TEST(ConfigTasks, MisspelledSectionNameSuggestsTasks) {
  auto r = load("task:\n  max_running: 8\n");
  ASSERT_EQ(r.warnings.size(), 1u);
  EXPECT_EQ(r.warnings[0], "rivet.yaml:1:1: unknown key task (did you mean tasks?)");
  EXPECT_EQ(r.config.tasks.maxRunning, 64);
}

TEST(ConfigTasks, SectionThatIsNotAMapIsRefused) {
  EXPECT_EQ(errorOf("tasks: 5\n"),
            "rivet.yaml:1:8: tasks: expected a map of settings, found \"5\". Write tasks: with "
            "indented keys such as retention_hours: 168.");
  EXPECT_TRUE(has(errorOf("tasks: [a]\n"),
                  "rivet.yaml:1:8: tasks: expected a map of settings, found a list"));
  EXPECT_TRUE(has(errorOf("tasks: true\n"), "tasks: expected a map of settings, found \"true\""));
}

TEST(ConfigTasks, DuplicateKeyIsAnError) {
  EXPECT_EQ(errorOf("tasks:\n  max_running: 10\n  max_running: 20\n"),
            "rivet.yaml:3:3: tasks.max_running: duplicate key (already set at line 2). Keep only "
            "one max_running: entry.");
}

TEST(ConfigTasks, CheckConfigDescriptionListsTheSectionWithEveryKeyItsValueAndAComment) {
  std::string d = describeEffective(load(oneKey("max_running", "42")).config);
  EXPECT_TRUE(has(d, "\ntasks:  # the task API; journal tasks.db in the private state folder\n"))
      << d;
  EXPECT_LT(d.find("\nagents:"), d.find("\ntasks:")) << d;
  EXPECT_LT(d.find("\ntasks:"), d.find("\nlog:")) << d;
  for (const auto& k : kKeys) {
    int64_t value = k.name == "max_running" ? 42 : k.defaultValue;
    EXPECT_TRUE(has(d, "\n  " + k.name + ": " + std::to_string(value) + "  # ")) << k.name << d;
  }
}

TEST(ConfigTasks, CheckConfigDescriptionNamesTheJournalInStateDir) {
  std::string d = describeEffective(load("mesh:\n  state_dir: /var/lib/rivet\n").config);
  EXPECT_TRUE(has(d, "\ntasks:  # the task API; journal /var/lib/rivet/tasks.db\n")) << d;
}
