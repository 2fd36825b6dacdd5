// One connection to a task's event stream (GET /api/tasks/<id>/events) read as it arrives:
// mutual TLS with the node's own certificate, Boost.Beast's parser for the HTTP framing, and
// SseParser for the events. Every wait also watches `wakeFd` (a signal's self-pipe).
#pragma once

#include "BenchTlsClient.hpp"
#include "SseParser.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace rivet::ctl {

struct LocalNode;

class TaskEventStream {
public:
  enum class Status {
    Events,      // next(): events arrived
    Ended,       // the stream ended properly (after the task's last event)
    Dropped,     // connecting failed, or the connection broke or went silent: try again
    Refused,     // the node answered otherwise than 200: status() and body()
    Invalid,     // the node broke HTTP or the event format: error(); trying again will not help
    Interrupted, // wakeFd became readable
  };

  // `tls` must outlive the stream.
  TaskEventStream(const BenchTlsClient& tls, const LocalNode& node);
  ~TaskEventStream();
  TaskEventStream(const TaskEventStream&) = delete;
  TaskEventStream& operator=(const TaskEventStream&) = delete;

  // Connects and asks for the events after `lastEventId` within `timeoutMs`: Events (ready to
  // read), Dropped (error() says why) or Interrupted.
  Status open(const std::string& taskId, int64_t lastEventId, int wakeFd, int64_t timeoutMs);
  // Waits until events arrive (appended to `out`), the stream ends, or no byte came for
  // `idleMs` (Dropped).
  Status next(std::vector<SseEvent>& out, int wakeFd, int64_t idleMs);

  const std::string& error() const { return error_; }
  int status() const { return status_; }
  const std::string& body() const { return body_; }

  // The limits a node's answer must keep.
  // One SSE line or event's data: a terminal state event carries the whole answer.
  static constexpr size_t kMaxLine = 16 * 1024 * 1024;
  static constexpr size_t kMaxHead = 16 * 1024;
  static constexpr size_t kMaxRefusalBody = 64 * 1024;

private:
  struct Parser;
  enum class Wait { Ready, Timeout, Woken, Failed };
  Wait waitFor(short events, int wakeFd, int64_t timeoutMs);
  Status fail(Status s, std::string why);
  Status consume(std::vector<SseEvent>& out);
  void close();

  const BenchTlsClient& tls_;
  const LocalNode& node_;
  int fd_ = -1;
  SSL* ssl_ = nullptr;
  std::unique_ptr<Parser> parser_;
  std::string pending_; // bytes read and not consumed by the HTTP parser yet
  std::string error_;
  std::string body_;
  int status_ = 0;
};

// The TLS client context for event streams from the node's mesh.tls files; throws
// std::runtime_error naming the file that cannot be used.
std::unique_ptr<BenchTlsClient> streamTlsClient(const LocalNode& node);

} // namespace rivet::ctl
