// A Poco::Channel that forwards to rivet::log::get(<source>).
#include "log/PocoBridge.hpp"

#include "log/Log.hpp"

#include <Poco/AutoPtr.h>
#include <Poco/Channel.h>
#include <Poco/Logger.h>
#include <Poco/Message.h>

namespace rivet::log {
namespace {

class SpdlogChannel : public Poco::Channel {
public:
  void log(const Poco::Message& msg) override {
    const std::string& source = msg.getSource();
    get(source.empty() ? "Poco" : source)->log(toSpdlog(msg.getPriority()), msg.getText());
  }

private:
  static spdlog::level::level_enum toSpdlog(Poco::Message::Priority p) {
    switch (p) {
    case Poco::Message::PRIO_FATAL:
    case Poco::Message::PRIO_CRITICAL:
      return spdlog::level::critical;
    case Poco::Message::PRIO_ERROR:
      return spdlog::level::err;
    case Poco::Message::PRIO_WARNING:
      return spdlog::level::warn;
    case Poco::Message::PRIO_NOTICE:
    case Poco::Message::PRIO_INFORMATION:
      return spdlog::level::info;
    case Poco::Message::PRIO_DEBUG:
      return spdlog::level::debug;
    default:
      return spdlog::level::trace;
    }
  }
};

int toPoco(spdlog::level::level_enum l) {
  switch (l) {
  case spdlog::level::trace:
    return Poco::Message::PRIO_TRACE;
  case spdlog::level::debug:
    return Poco::Message::PRIO_DEBUG;
  case spdlog::level::info:
    return Poco::Message::PRIO_INFORMATION;
  case spdlog::level::warn:
    return Poco::Message::PRIO_WARNING;
  case spdlog::level::err:
    return Poco::Message::PRIO_ERROR;
  case spdlog::level::critical:
    return Poco::Message::PRIO_CRITICAL;
  default:
    return 0; // off
  }
}

} // namespace

void bridgePocoLogging(spdlog::level::level_enum level) {
  Poco::AutoPtr<Poco::Channel> channel(new SpdlogChannel);
  Poco::Logger::root().setChannel(channel);
  Poco::Logger::setChannel("", channel);
  Poco::Logger::setLevel("", toPoco(level));
}

} // namespace rivet::log
