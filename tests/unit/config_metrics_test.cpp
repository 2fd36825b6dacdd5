// `metrics:` (ours): defaults, every key read, unknown keys with a suggestion, an address that
// is not an IP, a non-loopback address without allow_remote, allowed_hosts; and the pieces of
// the listener that judge input: the Host header check and label escaping.
#include "app/MetricsServer.hpp"
#include "config/ConfigLoader.hpp"
#include "metrics/Prometheus.hpp"

#include <gtest/gtest.h>

#include <string>

using namespace rivet::config;

namespace {

LoadResult load(const std::string& yaml) {
  return loadConfigText(yaml, "rivet.yaml",
                        [](const std::string&) { return std::optional<std::string>(); });
}

std::string errorOf(const std::string& yaml) {
  try {
    load(yaml);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "(no error)";
}

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

} // namespace

TEST(ConfigMetrics, DefaultsKeepTheListenerClosedOnLoopback) {
  auto m = load("").config.metrics;
  EXPECT_FALSE(m.enabled);
  EXPECT_EQ(m.address, "127.0.0.1");
  EXPECT_EQ(m.port, 9477);
  EXPECT_FALSE(m.allowRemote);
  EXPECT_TRUE(m.allowedHosts.empty());
}

TEST(ConfigMetrics, EveryKeyIsRead) {
  auto r = load("metrics:\n  enabled: true\n  address: ::1\n  port: 9100\n"
                "  allowed_hosts: [Prom.Example.org]\n");
  EXPECT_TRUE(r.warnings.empty());
  EXPECT_TRUE(r.config.metrics.enabled);
  EXPECT_EQ(r.config.metrics.address, "::1");
  EXPECT_EQ(r.config.metrics.port, 9100);
  ASSERT_EQ(r.config.metrics.allowedHosts.size(), 1u);
  EXPECT_EQ(r.config.metrics.allowedHosts[0], "prom.example.org");
  EXPECT_TRUE(has(describeEffective(r.config), "\nmetrics:  # http://[::1]:9100/\n"));
}

TEST(ConfigMetrics, UnknownKeyWarnsWithTheNearestKnownKey) {
  auto r = load("metrics:\n  enable: true\n");
  ASSERT_EQ(r.warnings.size(), 1u);
  EXPECT_EQ(r.warnings[0],
            "rivet.yaml:2:3: unknown key metrics.enable (did you mean metrics.enabled?)");
  EXPECT_FALSE(r.config.metrics.enabled);
}

TEST(ConfigMetrics, NonLoopbackAddressNeedsAllowRemote) {
  std::string e = errorOf("metrics:\n  enabled: true\n  address: 0.0.0.0\n");
  EXPECT_TRUE(has(e, "rivet.yaml:3:12: metrics.address: \"0.0.0.0\" is not a loopback address"))
      << e;
  EXPECT_TRUE(has(e, "metrics.allow_remote: true")) << e;
  auto m =
      load("metrics:\n  enabled: true\n  address: 0.0.0.0\n  allow_remote: true\n").config.metrics;
  EXPECT_TRUE(m.allowRemote);
  EXPECT_EQ(load("metrics:\n  address: 127.0.0.2\n  enabled: true\n").config.metrics.address,
            "127.0.0.2");
}

TEST(ConfigMetrics, BadValuesAreErrorsNamingTheKey) {
  EXPECT_TRUE(has(errorOf("metrics:\n  address: localhost\n"),
                  "metrics.address: \"localhost\" is not an IP address"));
  EXPECT_TRUE(has(errorOf("metrics:\n  port: 0\n"), "metrics.port"));
  EXPECT_TRUE(has(errorOf("metrics:\n  allowed_hosts: [\"a b\"]\n"),
                  "metrics.allowed_hosts[0]: \"a b\" is not a host name"));
  EXPECT_TRUE(
      has(errorOf("metrics:\n  allowed_hosts: x\n"), "metrics.allowed_hosts: expected a list"));
  EXPECT_TRUE(has(errorOf("metrics: 3\n"), "metrics"));
}

TEST(MetricsHost, OnlyLiteralsLocalhostAndConfiguredNamesPass) {
  using rivet::app::hostHeaderAllowed;
  const std::vector<std::string> allowed = {"prom.example"};
  for (const char* ok : {"127.0.0.1", "127.0.0.1:9477", "10.1.2.3:80", "[::1]", "[::1]:9477",
                         "localhost", "LOCALHOST:9477", "localhost.", "prom.example:1"})
    EXPECT_TRUE(hostHeaderAllowed(ok, allowed)) << ok;
  for (const char* bad :
       {"", "evil.example", "evil.example:9477", "127.0.0.1.evil.example", "localhost:x", "[::1",
        "[::1]x", "[nothex]:1", "prom.example.evil", "127.0.0.1:99999999", "localhost:9477:1"})
    EXPECT_FALSE(hostHeaderAllowed(bad, allowed)) << bad;
}

TEST(MetricsText, LabelValuesAreEscaped) {
  EXPECT_EQ(rivet::metrics::escapeLabel("a\\b\"c\nd"), "a\\\\b\\\"c\\nd");
  rivet::metrics::TextWriter w;
  w.family("x_total", "help", "counter");
  w.sample("x_total", {{"agent", "q\""}}, uint64_t{3});
  EXPECT_EQ(w.text(), "# HELP x_total help\n# TYPE x_total counter\nx_total{agent=\"q\\\"\"} 3\n");
}

TEST(MetricsText, LabelSlotsFoldValuesBeyondTheirCapacity) {
  rivet::metrics::LabelSlots<std::atomic<int>, 2> slots;
  for (const char* name : {"a", "b", "c", "d", "a"})
    slots.get(name).fetch_add(1);
  std::string seen;
  slots.forEach([&](const std::string& k, const std::atomic<int>& v) {
    seen += k + "=" + std::to_string(v.load()) + ";";
  });
  EXPECT_EQ(seen, "a=2;b=1;(other)=2;");
}

TEST(MetricsText, HistogramBucketsAreCumulative) {
  rivet::metrics::Histogram h(rivet::metrics::Histogram::Kind::Registry);
  h.observe(0.0003);
  h.observe(2);
  rivet::metrics::TextWriter w;
  h.write(w, "r", {});
  EXPECT_TRUE(has(w.text(), "r_bucket{le=\"0.0001\"} 0\n")) << w.text();
  EXPECT_TRUE(has(w.text(), "r_bucket{le=\"0.0005\"} 1\n")) << w.text();
  EXPECT_TRUE(has(w.text(), "r_bucket{le=\"1\"} 1\n")) << w.text();
  EXPECT_TRUE(has(w.text(), "r_bucket{le=\"+Inf\"} 2\n")) << w.text();
  EXPECT_TRUE(has(w.text(), "r_count 2\n")) << w.text();
}
