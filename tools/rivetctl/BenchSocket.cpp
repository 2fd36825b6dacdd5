// Resolving the load generator's target and opening its TCP connections: non-blocking, no
// Nagle delay, optionally bound to a --source address (with the port left to connect()).
#include "BenchSocket.hpp"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/tcp.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace rivet::ctl {

BenchTarget resolveBenchTarget(const BenchOptions& o) {
  addrinfo hints{};
  hints.ai_family = o.sources.empty() ? AF_UNSPEC : AF_INET;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* res = nullptr;
  int rc = getaddrinfo(o.host.c_str(), o.port.c_str(), &hints, &res);
  if (rc != 0 || !res)
    throw std::runtime_error("cannot resolve '" + o.host + ":" + o.port + "'" +
                             (o.sources.empty() ? "" : " to an IPv4 address (--source)") + ": " +
                             gai_strerror(rc) + "; check the host in --url");
  BenchTarget t;
  std::memcpy(&t.addr, res->ai_addr, res->ai_addrlen);
  t.addrLen = res->ai_addrlen;
  freeaddrinfo(res);
  for (const auto& s : o.sources) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    inet_pton(AF_INET, s.c_str(), &a.sin_addr); // checked when the options were read
    t.sources.push_back(a);
  }
  return t;
}

int openBenchSocket(const BenchTarget& t, std::size_t index, bool& connected, std::string& error) {
  connected = false;
  int fd = socket(t.addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    error = std::string("socket: ") + std::strerror(errno) +
            (errno == EMFILE ? " (raise the open-file limit: ulimit -n)" : "");
    return -1;
  }
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (!t.sources.empty()) {
    // The port is chosen at connect() time, per destination, so 10 sources × 28k ports hold.
    setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
    const sockaddr_in& src = t.sources[index % t.sources.size()];
    if (bind(fd, reinterpret_cast<const sockaddr*>(&src), sizeof src) != 0) {
      char text[INET_ADDRSTRLEN];
      error = std::string("bind to source ") +
              inet_ntop(AF_INET, &src.sin_addr, text, sizeof text) + ": " + std::strerror(errno);
      close(fd);
      return -1;
    }
  }
  if (connect(fd, reinterpret_cast<const sockaddr*>(&t.addr), t.addrLen) == 0) {
    connected = true;
  } else if (errno != EINPROGRESS) {
    error = std::strerror(errno);
    close(fd);
    return -1;
  }
  return fd;
}

int connectResult(int fd) {
  int err = 0;
  socklen_t len = sizeof err;
  if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0)
    return errno;
  return err;
}

} // namespace rivet::ctl
