// Implementation of the raw channel client: blocking sockets bound before connect, poll(2) for
// the close, /proc for the server's side of a connection and its open files.
#include "RawChannelClient.hpp"

#include <algorithm>
#include <arpa/inet.h>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sstream>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

namespace rivet::test {

int connectTcp(const std::string& bindAddress, int port, int receiveBufferBytes,
               std::string& error) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    error = std::string("socket: ") + std::strerror(errno);
    return -1;
  }
  auto fail = [&](const char* what) {
    error = std::string(what) + ": " + std::strerror(errno);
    ::close(fd);
    return -1;
  };
  if (receiveBufferBytes > 0 &&
      ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &receiveBufferBytes, sizeof receiveBufferBytes) != 0)
    return fail("SO_RCVBUF");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  if (!bindAddress.empty()) {
    if (::inet_pton(AF_INET, bindAddress.c_str(), &addr.sin_addr) != 1) {
      error = "not an IPv4 address: " + bindAddress;
      ::close(fd);
      return -1;
    }
    if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
      return fail(("bind " + bindAddress).c_str());
  }
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
    return fail("connect");
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

int localPortOf(int fd) {
  sockaddr_in addr{};
  socklen_t len = sizeof addr;
  if (fd < 0 || ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0)
    return 0;
  return ntohs(addr.sin_port);
}

void prepareForManySockets() {
  rlimit files{};
  if (::getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < files.rlim_max) {
    files.rlim_cur = files.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &files);
  }
  std::signal(SIGPIPE, SIG_IGN);
}

size_t openFileCount(int pid) {
  std::error_code ec;
  size_t n = 0;
  for (std::filesystem::directory_iterator it("/proc/" + std::to_string(pid) + "/fd", ec), end;
       !ec && it != end; it.increment(ec))
    ++n;
  return n;
}

bool serverEndOpen(int serverPort, int clientPort) {
  std::ifstream table("/proc/net/tcp");
  std::string line;
  std::getline(table, line); // the column titles
  while (std::getline(table, line)) {
    std::istringstream fields(line);
    std::string slot, local, remote, state;
    fields >> slot >> local >> remote >> state;
    auto portOf = [](const std::string& address) {
      size_t colon = address.find(':');
      return colon == std::string::npos ? -1 : std::stoi(address.substr(colon + 1), nullptr, 16);
    };
    if (portOf(local) == serverPort && portOf(remote) == clientPort)
      return state == "01" || state == "08"; // ESTABLISHED, CLOSE_WAIT
  }
  return false;
}

RawChannelClient::RawChannelClient(std::string bindAddress)
    : bindAddress_(std::move(bindAddress)) {}

RawChannelClient::~RawChannelClient() {
  close();
}

void RawChannelClient::close() {
  if (fd_ >= 0)
    ::close(fd_);
  fd_ = -1;
  closed_ = false;
}

bool RawChannelClient::connect(int port) {
  close();
  error_.clear();
  fd_ = connectTcp(bindAddress_, port, 0, error_);
  return fd_ >= 0;
}

bool RawChannelClient::send(std::string_view bytes) {
  if (fd_ < 0) {
    error_ = "not connected";
    return false;
  }
  while (!bytes.empty()) {
    ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n <= 0) {
      error_ = std::string("write: ") + std::strerror(errno);
      return false;
    }
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

bool RawChannelClient::waitForClose(std::chrono::milliseconds timeout) {
  using Clock = std::chrono::steady_clock;
  if (closed_)
    return true;
  if (fd_ < 0)
    return false;
  const auto until = Clock::now() + timeout;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now());
    pollfd p{fd_, POLLIN, 0};
    int ready = ::poll(&p, 1, static_cast<int>(std::max<int64_t>(left.count(), 0)));
    if (ready == 0)
      return false;
    if (ready < 0 && errno == EINTR)
      continue;
    char buf[16384];
    ssize_t n = ready < 0 ? -1 : ::recv(fd_, buf, sizeof buf, 0);
    if (n > 0) { // bytes before the close (a TLS alert, an answer) are not what is waited for
      if (Clock::now() >= until)
        return false;
      continue;
    }
    error_ = n == 0 ? "connection closed by peer (EOF)" : std::string(std::strerror(errno));
    closed_ = true;
    return true;
  }
}

int RawChannelClient::localPort() const {
  return localPortOf(fd_);
}

} // namespace rivet::test
