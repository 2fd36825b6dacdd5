// The Unix socket (mode 0600, in mesh.state_dir or a private folder) through which programs run
// by agents delegate as part of their task: HTTP/1.1 with `Authorization: Bearer <task token>`,
// POST /api/delegate and GET /api/roster. It never listens on the network.
#pragma once

#include "plugin/TaskContext.hpp"

#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace Poco {
class ThreadPool;
namespace Net {
class HTTPServer;
}
} // namespace Poco

namespace rivet::app {

struct DelegateHandlers {
  // The running task a token belongs to; null when unknown or ended.
  std::function<std::shared_ptr<plugin::TaskContext>(const std::string& token)> findTask;
  // POST /api/delegate: the result JSON of abi.h's delegate() for `body`, as part of `task`.
  std::function<std::string(const std::shared_ptr<plugin::TaskContext>& task,
                            std::string_view body)>
      delegate;
  // GET /api/roster: abi.h's roster JSON for `task`.
  std::function<std::string(const std::shared_ptr<plugin::TaskContext>& task)> roster;
};

class DelegateSocket {
public:
  // `stateDir` empty: a private folder ${TMPDIR:-/tmp}/rivetd-<node>.XXXXXX, removed at stop.
  DelegateSocket(std::string stateDir, std::string nodeName, DelegateHandlers handlers);
  ~DelegateSocket();
  DelegateSocket(const DelegateSocket&) = delete;
  DelegateSocket& operator=(const DelegateSocket&) = delete;

  // Binds and serves; throws std::runtime_error saying what is wrong with which path.
  void start();
  void stop();
  // The socket's path once started; empty before.
  const std::string& path() const { return path_; }

private:
  std::string prepareFolder();
  void clearStaleSocket() const;

  std::string stateDir_;
  std::string nodeName_;
  DelegateHandlers handlers_;
  std::string folder_;
  bool privateFolder_ = false;
  std::string path_;
  std::unique_ptr<Poco::ThreadPool> pool_; // before server_: outlives it
  std::unique_ptr<Poco::Net::HTTPServer> server_;
};

} // namespace rivet::app
