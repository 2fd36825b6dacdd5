// The task layer inside a node (see TaskHosting.hpp).
#include "app/TaskHosting.hpp"

#include "app/ChannelReply.hpp"
#include "log/Log.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <stdexcept>

namespace rivet::app {
namespace {

// An SSE answer through the transport's streaming responder. The task layer serializes its
// writes; the gate keeps them from reaching a transport that is going away.
class ResponderStream : public tasks::EventStream {
public:
  ResponderStream(const rivet_async_responder& responder, std::shared_ptr<plugin::HostGate> gate)
      : responder_(responder), gate_(std::move(gate)) {}
  ~ResponderStream() override { end(); }

  bool begin(std::string_view contentType) {
    const rivet_header headers[] = {
        {{"Content-Type", 12}, {contentType.data(), contentType.size()}},
        {{"Cache-Control", 13}, {"no-store", 8}},
    };
    std::lock_guard<std::mutex> lock(mutex_);
    if (!gate_->enter())
      return open_ = false;
    open_ = responder_.begin(responder_.ctx, 200, headers, 2) == 0;
    gate_->leave();
    return open_;
  }
  bool write(std::string_view bytes) override {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!open_ || ended_ || !gate_->enter())
      return false;
    open_ = responder_.chunk(responder_.ctx, {bytes.data(), bytes.size()}) == 0;
    gate_->leave();
    return open_;
  }
  void end() override {
    std::lock_guard<std::mutex> lock(mutex_);
    if (ended_)
      return;
    ended_ = true;
    if (gate_->enter()) {
      responder_.end(responder_.ctx);
      gate_->leave();
    }
  }

private:
  rivet_async_responder responder_;
  std::shared_ptr<plugin::HostGate> gate_;
  std::mutex mutex_;
  bool open_ = true;
  bool ended_ = false;
};

class ResponderReply : public tasks::TaskReply {
public:
  ResponderReply(const rivet_async_responder& responder, std::shared_ptr<plugin::HostGate> gate)
      : responder_(responder), gate_(std::move(gate)) {}
  ~ResponderReply() override {
    if (!answered_) // every request gets exactly one answer
      respond({500, R"({"error":"Internal error"})", 0});
  }
  void respond(const channel::ChannelResponse& out) override {
    answered_ = true;
    if (!gate_->enter())
      return;
    respondWith(responder_.ctx, responder_.respond, out);
    gate_->leave();
  }
  std::shared_ptr<tasks::EventStream> beginEvents() override {
    return beginWith("text/event-stream");
  }
  std::shared_ptr<tasks::EventStream> beginJson() override { return beginWith("application/json"); }

private:
  std::shared_ptr<tasks::EventStream> beginWith(std::string_view contentType) {
    answered_ = true;
    auto stream = std::make_shared<ResponderStream>(responder_, gate_);
    stream->begin(contentType);
    return stream;
  }

  rivet_async_responder responder_;
  std::shared_ptr<plugin::HostGate> gate_;
  bool answered_ = false;
};

std::string privateFolderFor(const std::string& node) {
  const char* tmp = std::getenv("TMPDIR");
  std::string name = std::string(tmp && *tmp ? tmp : "/tmp") + "/rivetd-" + node + "-tasks.XXXXXX";
  if (!::mkdtemp(name.data())) // mode 0700
    throw std::runtime_error("cannot make a private folder " + name + " for the task journal: " +
                             std::strerror(errno) + "; set mesh.state_dir");
  return name;
}

tasks::TaskRetention retentionOf(const config::TasksConfig& t) {
  tasks::TaskRetention r;
  r.maxAgeMs = t.retentionHours * 3600 * 1000;
  r.maxFinished = static_cast<size_t>(t.maxFinished);
  r.eventsPerTask = static_cast<size_t>(t.eventsPerTask);
  return r;
}

} // namespace

TaskHosting::TaskHosting(const config::Config& config, delegation::DelegationEngine& engine) {
  std::string folder = config.mesh.stateDir;
  if (folder.empty()) {
    privateFolder_ = privateFolderFor(config.mesh.nodeName);
    folder = privateFolder_;
    log::get("Tasks")->info("Task journal in the private folder {}: tasks and idempotency keys "
                            "do not outlive this run (set mesh.state_dir to keep them)",
                            folder);
  }
  store_ = std::make_unique<tasks::TaskStore>(folder + "/tasks.db", retentionOf(config.tasks));
  tasks::TaskSettings s;
  s.nodeName = config.mesh.nodeName;
  s.maxRunning = static_cast<int>(config.tasks.maxRunning);
  s.keepalive = std::chrono::milliseconds(config.tasks.keepaliveMs);
  s.disconnectGrace = std::chrono::milliseconds(config.tasks.disconnectGraceMs);
  s.progressRate = static_cast<double>(config.tasks.progressPerSecond);
  s.progressBurst = static_cast<int>(config.tasks.progressBurst);
  service_ = std::make_unique<tasks::TaskService>(*store_, engine, s);
  service_->start();
  endpoints_ = std::make_unique<tasks::TaskEndpoints>(
      *service_, tasks::TaskLimits{config.tasks.defaultTimeoutMs, config.tasks.maxTimeoutMs});
  if (config.a2a.enabled)
    a2a_ = std::make_unique<a2a::A2aService>(config, *service_);
}

TaskHosting::~TaskHosting() {
  a2a_.reset();
  endpoints_.reset();
  service_.reset();
  store_.reset();
  if (!privateFolder_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(privateFolder_, ec);
  }
}

void TaskHosting::serve(const channel::ChannelRequest& request,
                        const rivet_async_responder& responder,
                        const std::shared_ptr<plugin::HostGate>& gate) {
  ResponderReply reply(responder, gate);
  endpoints_->serve(request, reply);
}

void TaskHosting::serveA2a(const channel::ChannelRequest& request,
                           const rivet_async_responder& responder,
                           const std::shared_ptr<plugin::HostGate>& gate) {
  // A blocking SendMessage answers when its task ends: the reply outlives this call.
  a2a_->serve(request, std::make_shared<ResponderReply>(responder, gate));
}

} // namespace rivet::app
