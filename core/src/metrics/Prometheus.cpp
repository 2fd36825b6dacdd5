// The text exposition format and the histogram's buckets.
#include "metrics/Prometheus.hpp"

#include <cmath>
#include <cstdio>

namespace rivet::metrics {
namespace {

constexpr double kTaskBounds[] = {0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600};
constexpr double kRegistryBounds[] = {0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01,
                                      0.025,  0.05,   0.1,   0.25,   0.5,   1};

std::string number(double v) {
  if (std::isinf(v))
    return v > 0 ? "+Inf" : "-Inf";
  if (std::isnan(v))
    return "NaN";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}

} // namespace

std::string escapeLabel(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '"')
      out += "\\\"";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

void TextWriter::family(const std::string& name, const std::string& help, const char* type) {
  out_ += "# HELP " + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
}

void TextWriter::head(const std::string& name, const Labels& labels) {
  out_ += name;
  if (!labels.empty()) {
    out_ += '{';
    for (size_t i = 0; i < labels.size(); ++i)
      out_ += (i ? "," : "") + labels[i].first + "=\"" + escapeLabel(labels[i].second) + "\"";
    out_ += '}';
  }
  out_ += ' ';
}

void TextWriter::sample(const std::string& name, const Labels& labels, double value) {
  head(name, labels);
  out_ += number(value) + "\n";
}

void TextWriter::sample(const std::string& name, const Labels& labels, uint64_t value) {
  head(name, labels);
  out_ += std::to_string(value) + "\n";
}

Histogram::Histogram(Kind kind)
    : bounds_(kind == Kind::Task ? kTaskBounds : kRegistryBounds),
      size_(kind == Kind::Task ? std::size(kTaskBounds) : std::size(kRegistryBounds)) {}

void Histogram::observe(double seconds) {
  if (!(seconds >= 0))
    seconds = 0;
  size_t i = 0;
  while (i < size_ && seconds > bounds_[i])
    ++i;
  buckets_[i].fetch_add(1, std::memory_order_relaxed); // i == size_: the +Inf bucket
  sumMicros_.fetch_add(static_cast<uint64_t>(seconds * 1e6), std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
}

void Histogram::write(TextWriter& w, const std::string& name, const Labels& labels) const {
  uint64_t cumulative = 0;
  Labels l = labels;
  l.emplace_back("le", "");
  for (size_t i = 0; i <= size_; ++i) {
    cumulative += buckets_[i].load(std::memory_order_relaxed);
    l.back().second = i < size_ ? number(bounds_[i]) : "+Inf";
    w.sample(name + "_bucket", l, cumulative);
  }
  w.sample(name + "_sum", labels, static_cast<double>(sumMicros_.load()) / 1e6);
  // The count is the +Inf bucket, so that a scrape between two updates stays consistent.
  w.sample(name + "_count", labels, cumulative);
}

} // namespace rivet::metrics
