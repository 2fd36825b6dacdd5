// Plain TCP connections to the agent channel for the framing, deadline and admission tests: any
// source address of 127.0.0.0/8, bytes sent exactly as given, and whether the server closed.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>

namespace rivet::test {

// A TCP connection to 127.0.0.1:port from `bindAddress` (empty: the kernel's choice), with
// SO_RCVBUF set before connect when `receiveBufferBytes` is non-zero. The fd, or -1 with `error`.
int connectTcp(const std::string& bindAddress, int port, int receiveBufferBytes,
               std::string& error);

// The local port of a connected socket (the client's port as the server sees it); 0 if none.
int localPortOf(int fd);

// Raises this process's RLIMIT_NOFILE soft limit to the hard limit (a rivetd started afterwards
// inherits it) and ignores SIGPIPE, so that writing to a socket the server closed fails instead
// of killing the test.
void prepareForManySockets();

// Open file descriptors of a process (/proc/<pid>/fd); 0 when it is gone.
size_t openFileCount(int pid);

// True while the server's end of the connection from the client's local port `clientPort` to
// `serverPort` is open (/proc/net/tcp: ESTABLISHED or CLOSE_WAIT). False once the server closed
// or shut it down, even when the client has not read what is still queued for it.
bool serverEndOpen(int serverPort, int clientPort);

// One TCP connection, no TLS; not thread-safe. The destructor closes it.
class RawChannelClient {
public:
  explicit RawChannelClient(std::string bindAddress = "");
  ~RawChannelClient();
  RawChannelClient(const RawChannelClient&) = delete;
  RawChannelClient& operator=(const RawChannelClient&) = delete;

  bool connect(int port); // false with error() on failure
  // Writes all of `bytes`; false with error() once the server has gone (reset, broken pipe).
  bool send(std::string_view bytes);
  // Waits up to `timeout` for the server to close (EOF or reset), discarding what arrives; true
  // when it did. A connection already seen closed answers true at once.
  bool waitForClose(std::chrono::milliseconds timeout);
  int localPort() const;
  const std::string& error() const { return error_; }
  void close();

private:
  std::string bindAddress_;
  int fd_ = -1;
  bool closed_ = false;
  std::string error_;
};

} // namespace rivet::test
