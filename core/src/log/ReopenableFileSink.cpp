// Append-only file sink whose file can be swapped for a fresh one at the same path.
#include "log/ReopenableFileSink.hpp"

#include <utility>

namespace rivet::log {

ReopenableFileSink::ReopenableFileSink(const std::string& path)
    : path_(path), file_(std::make_unique<spdlog::details::file_helper>()) {
  file_->open(path_, false);
}

std::optional<std::string> ReopenableFileSink::reopen() {
  // Opened outside the lock: file_helper retries for ~50 ms and loggers must not wait for that.
  auto fresh = std::make_unique<spdlog::details::file_helper>();
  try {
    fresh->open(path_, false);
  } catch (const spdlog::spdlog_ex& e) {
    return std::string(e.what());
  }
  std::lock_guard<std::mutex> lock(mutex_);
  file_->flush();
  std::swap(file_, fresh);
  return std::nullopt; // `fresh` now holds the old file and closes it
}

void ReopenableFileSink::sink_it_(const spdlog::details::log_msg& msg) {
  spdlog::memory_buf_t formatted;
  formatter_->format(msg, formatted);
  file_->write(formatted);
}

void ReopenableFileSink::flush_() {
  file_->flush();
}

} // namespace rivet::log
