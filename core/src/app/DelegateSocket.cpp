// The delegation socket: folder and socket file checks (a stale socket is replaced, a live one
// or anything that is not a socket is refused), and the two endpoints over Poco's HTTP server.
#include "app/DelegateSocket.hpp"

#include "util/JsonText.hpp"

#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/ThreadPool.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

namespace rivet::app {
namespace {

constexpr std::streamsize kMaxBody = 10 * 1024 * 1024;

std::string errorJson(const std::string& text) {
  return "{\"error\":" + util::jsonString(text) + "}";
}

class Handler : public Poco::Net::HTTPRequestHandler {
public:
  explicit Handler(const DelegateHandlers& h) : h_(h) {}

  void handleRequest(Poco::Net::HTTPServerRequest& req,
                     Poco::Net::HTTPServerResponse& resp) override {
    int status = 200;
    std::string body = answer(req, status);
    resp.setStatus(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(status));
    resp.setContentType("application/json");
    resp.setKeepAlive(false);
    resp.sendBuffer(body.data(), body.size());
  }

private:
  std::string answer(Poco::Net::HTTPServerRequest& req, int& status) {
    const std::string& target = req.getURI();
    bool delegate = req.getMethod() == "POST" && target == "/api/delegate";
    bool roster = req.getMethod() == "GET" && target == "/api/roster";
    if (!delegate && !roster) {
      status = 404;
      return errorJson("Not found: this socket serves POST /api/delegate and GET /api/roster");
    }
    std::string auth = req.get("Authorization", "");
    std::shared_ptr<plugin::TaskContext> task;
    if (auth.rfind("Bearer ", 0) == 0)
      task = h_.findTask(auth.substr(7));
    if (!task) {
      status = 401;
      return errorJson("missing or unknown task credential: send Authorization: Bearer "
                       "$RIVET_TASK_TOKEN; a token is valid only while the task that received it "
                       "runs");
    }
    if (roster)
      return h_.roster(task);
    if (req.hasContentLength() && req.getContentLength64() > kMaxBody) {
      status = 413;
      return errorJson("Request body exceeds 10 MB limit");
    }
    std::string body;
    std::istream& in = req.stream();
    char buf[16384];
    while (in) {
      in.read(buf, sizeof buf);
      body.append(buf, static_cast<size_t>(in.gcount()));
      if (static_cast<std::streamsize>(body.size()) > kMaxBody) {
        status = 413;
        return errorJson("Request body exceeds 10 MB limit");
      }
    }
    return h_.delegate(task, body);
  }

  const DelegateHandlers& h_;
};

class Factory : public Poco::Net::HTTPRequestHandlerFactory {
public:
  explicit Factory(const DelegateHandlers& h) : h_(h) {}
  Poco::Net::HTTPRequestHandler*
  createRequestHandler(const Poco::Net::HTTPServerRequest&) override {
    return new Handler(h_);
  }

private:
  const DelegateHandlers& h_;
};

} // namespace

DelegateSocket::DelegateSocket(std::string stateDir, std::string nodeName,
                               DelegateHandlers handlers)
    : stateDir_(std::move(stateDir)), nodeName_(std::move(nodeName)),
      handlers_(std::move(handlers)) {}

DelegateSocket::~DelegateSocket() {
  stop();
}

std::string DelegateSocket::prepareFolder() {
  if (stateDir_.empty()) {
    const char* tmp = std::getenv("TMPDIR");
    std::string tmpl = std::string(tmp && *tmp ? tmp : "/tmp") + "/rivetd-" + nodeName_ + ".XXXXXX";
    if (!::mkdtemp(tmpl.data())) // mode 0700
      throw std::runtime_error("cannot make a private folder " + tmpl + ": " +
                               std::strerror(errno) + "; set mesh.state_dir");
    privateFolder_ = true;
    return tmpl;
  }
  std::error_code ec;
  if (!std::filesystem::exists(stateDir_, ec)) {
    std::filesystem::create_directories(stateDir_, ec);
    if (ec)
      throw std::runtime_error("cannot create mesh.state_dir " + stateDir_ + ": " + ec.message() +
                               "; create it, or point mesh.state_dir at a folder this user can "
                               "write");
    ::chmod(stateDir_.c_str(), 0700);
  } else if (!std::filesystem::is_directory(stateDir_, ec)) {
    throw std::runtime_error("mesh.state_dir " + stateDir_ + " is not a folder");
  }
  return stateDir_;
}

// A socket file left by a node that died is replaced; one a running node answers on, or a
// path that is not a socket at all, is left alone.
void DelegateSocket::clearStaleSocket() const {
  struct stat st {};
  if (::lstat(path_.c_str(), &st) != 0)
    return;
  if (!S_ISSOCK(st.st_mode))
    throw std::runtime_error(path_ + " exists and is not a socket; remove it or choose another "
                                     "mesh.state_dir");
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path_.c_str(), path_.size() + 1);
  bool live = fd >= 0 && ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  if (fd >= 0)
    ::close(fd);
  if (live)
    throw std::runtime_error(path_ + " is in use by another running rivetd; give each node its "
                                     "own mesh.state_dir");
  ::unlink(path_.c_str());
}

void DelegateSocket::start() {
  folder_ = prepareFolder();
  path_ = folder_ + "/delegate.sock";
  if (path_.size() >= sizeof(sockaddr_un{}.sun_path)) {
    std::string too = path_;
    path_.clear();
    throw std::runtime_error("the socket path " + too + " is longer than a Unix socket allows (" +
                             std::to_string(sizeof(sockaddr_un{}.sun_path) - 1) +
                             " bytes); choose a shorter mesh.state_dir");
  }
  try {
    clearStaleSocket();
    Poco::Net::ServerSocket socket;
    socket.bind(Poco::Net::SocketAddress(Poco::Net::SocketAddress::UNIX_LOCAL, path_));
    ::chmod(path_.c_str(), 0600);
    socket.listen(64);
    auto params = new Poco::Net::HTTPServerParams;
    params->setMaxThreads(64);
    params->setMaxQueued(64);
    params->setKeepAlive(false);
    params->setTimeout(Poco::Timespan(10, 0)); // a client that stops sending is dropped
    pool_ = std::make_unique<Poco::ThreadPool>(2, 64);
    server_ =
        std::make_unique<Poco::Net::HTTPServer>(new Factory(handlers_), *pool_, socket, params);
    server_->start();
  } catch (const Poco::Exception& e) {
    path_.clear();
    throw std::runtime_error("cannot listen on " + folder_ + "/delegate.sock: " + e.displayText());
  } catch (...) {
    path_.clear();
    throw;
  }
}

void DelegateSocket::stop() {
  if (server_) {
    server_->stopAll(true);
    server_.reset();
    pool_->joinAll();
    pool_.reset();
  }
  if (!path_.empty())
    ::unlink(path_.c_str());
  if (privateFolder_ && !folder_.empty())
    ::rmdir(folder_.c_str());
  path_.clear();
  privateFolder_ = false;
}

} // namespace rivet::app
