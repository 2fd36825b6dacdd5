// Where the load generator connects (one resolved address of --url, the --source addresses to
// bind) and the one way it opens a non-blocking TCP connection there.
#pragma once

#include "BenchOptions.hpp"

#include <netinet/in.h>
#include <sys/socket.h>

#include <cstddef>
#include <string>
#include <vector>

namespace rivet::ctl {

struct BenchTarget {
  sockaddr_storage addr{};
  socklen_t addrLen = 0;
  std::vector<sockaddr_in> sources; // from --source; empty: the kernel picks
};

// Resolves --url's host and port and reads --source; throws std::runtime_error naming them.
BenchTarget resolveBenchTarget(const BenchOptions& options);

// A non-blocking socket with TCP_NODELAY, bound to source `index % sources` when there are
// any, whose connect() has started. Returns the fd, or -1 with `error` set. `connected` tells
// whether the connection is already complete (loopback often is).
int openBenchSocket(const BenchTarget& target, std::size_t index, bool& connected,
                    std::string& error);
// Once a connecting socket is writable: 0 when connected, else the errno connect() ended with.
int connectResult(int fd);

} // namespace rivet::ctl
