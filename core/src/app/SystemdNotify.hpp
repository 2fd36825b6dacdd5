// Tells systemd (Type=notify) when rivetd is ready, reloading and stopping: the sd_notify
// datagram protocol to $NOTIFY_SOCKET, written here rather than linked from libsystemd.
#pragma once

#include <string>

#include <sys/socket.h>
#include <sys/un.h>

namespace rivet::app {

class SystemdNotify {
public:
  // Reads NOTIFY_SOCKET and takes it out of the environment, so that agent programs do not
  // inherit it; call before any thread starts. Unset or empty: every call below does nothing.
  SystemdNotify();
  ~SystemdNotify();
  SystemdNotify(const SystemdNotify&) = delete;
  SystemdNotify& operator=(const SystemdNotify&) = delete;

  void ready() { send("READY=1"); }
  void reloading(); // RELOADING=1 with MONOTONIC_USEC, as systemd 253 asks
  void stopping() { send("STOPPING=1"); }

private:
  // A failure is one WARN naming the socket (once: a broken socket stays broken), never fatal.
  void send(const std::string& message);
  void warn(const std::string& what);

  std::string socketPath_; // as given, '@' for the abstract namespace
  sockaddr_un address_{};
  socklen_t addressLength_ = 0;
  int fd_ = -1;
  bool warned_ = false;
};

} // namespace rivet::app
