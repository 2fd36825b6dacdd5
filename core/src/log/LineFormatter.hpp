// spdlog formatter producing RivetOS's log line (`HH:MM:SS.mmm LEVEL [Component] message`) or a
// JSON object per line (`level`, `component`, `message`, `timestamp`).
#pragma once

#include <spdlog/formatter.h>

namespace rivet::log {

class LineFormatter : public spdlog::formatter {
public:
  explicit LineFormatter(bool json) : json_(json) {}
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override;
  std::unique_ptr<spdlog::formatter> clone() const override;

private:
  bool json_;
};

} // namespace rivet::log
