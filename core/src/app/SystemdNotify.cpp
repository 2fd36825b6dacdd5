// sd_notify(3) without libsystemd: one non-blocking datagram per state change. Non-blocking
// because a socket nobody reads must not hold up start-up or shutdown.
#include "app/SystemdNotify.hpp"

#include "log/Log.hpp"

#include <cerrno>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <unistd.h>

namespace rivet::app {

SystemdNotify::SystemdNotify() {
  const char* value = std::getenv("NOTIFY_SOCKET");
  if (!value || !*value)
    return;
  socketPath_ = value;
  ::unsetenv("NOTIFY_SOCKET");
  address_.sun_family = AF_UNIX;
  const bool abstract = socketPath_[0] == '@';
  // A file path needs room for its terminating NUL; an abstract name does not.
  const size_t room = sizeof(address_.sun_path) - (abstract ? 0 : 1);
  if (!abstract && socketPath_[0] != '/') {
    warn("it is neither an absolute path nor an abstract socket name ('@...')");
    return;
  }
  if (socketPath_.size() > room) {
    warn("it is " + std::to_string(socketPath_.size()) + " bytes long, more than the " +
         std::to_string(room) + " a Unix socket address holds");
    return;
  }
  std::memcpy(address_.sun_path, socketPath_.data(), socketPath_.size());
  if (abstract)
    address_.sun_path[0] = '\0';
  addressLength_ =
      static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + socketPath_.size() + !abstract);
  fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd_ < 0)
    warn(std::string("cannot create a socket: ") + std::strerror(errno));
}

SystemdNotify::~SystemdNotify() {
  if (fd_ >= 0)
    ::close(fd_);
}

void SystemdNotify::reloading() {
  timespec now{};
  ::clock_gettime(CLOCK_MONOTONIC, &now);
  long long usec = static_cast<long long>(now.tv_sec) * 1000000 + now.tv_nsec / 1000;
  send("RELOADING=1\nMONOTONIC_USEC=" + std::to_string(usec));
}

void SystemdNotify::send(const std::string& message) {
  if (fd_ < 0)
    return;
  ssize_t sent = ::sendto(fd_, message.data(), message.size(), MSG_NOSIGNAL,
                          reinterpret_cast<const sockaddr*>(&address_), addressLength_);
  if (sent < 0) {
    std::string state = message.substr(0, message.find('\n'));
    warn("sending " + state + " failed: " + std::strerror(errno));
  }
}

void SystemdNotify::warn(const std::string& what) {
  if (warned_)
    return;
  warned_ = true;
  log::get("rivetd")->warn("NOTIFY_SOCKET={}: {}; systemd is not told this node's state (with "
                           "Type=notify it gives up on the start). Outside systemd, unset "
                           "NOTIFY_SOCKET.",
                           socketPath_, what);
}

} // namespace rivet::app
