// The log.file sink: appends to the file and, on SIGHUP, opens the path again so that a rotated
// file (moved away, not copied and truncated) is followed by a new one.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include <spdlog/details/file_helper.h>
#include <spdlog/sinks/base_sink.h>

namespace rivet::log {

class ReopenableFileSink : public spdlog::sinks::base_sink<std::mutex> {
public:
  // Throws spdlog::spdlog_ex if `path` cannot be opened for appending.
  explicit ReopenableFileSink(const std::string& path);

  // Opens the path again, from any thread. On failure the sink keeps writing to the file it had
  // and the reason is returned; lines being logged meanwhile go to one file or the other, whole.
  std::optional<std::string> reopen();

  const std::string& path() const { return path_; }

protected:
  void sink_it_(const spdlog::details::log_msg& msg) override;
  void flush_() override;

private:
  std::string path_;
  std::unique_ptr<spdlog::details::file_helper> file_;
};

} // namespace rivet::log
