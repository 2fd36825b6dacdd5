// From a parsed request body and its channel request to a TaskRequest.
#include "channel/InboundTask.hpp"

#include "util/RandomHex.hpp"

#include <algorithm>

namespace rivet::channel {
namespace {

bool isLowerHex(std::string_view s) {
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

} // namespace

std::string traceIdOf(std::string_view tp) {
  if (tp.size() < 55 || tp[2] != '-' || tp[35] != '-' || tp[52] != '-' ||
      !isLowerHex(tp.substr(0, 2)))
    return "";
  std::string_view trace = tp.substr(3, 32), parent = tp.substr(36, 16);
  if (tp.substr(0, 2) == "ff" || !isLowerHex(trace) || !isLowerHex(parent) ||
      !isLowerHex(tp.substr(53, 2)) || trace == std::string(32, '0') ||
      parent == std::string(16, '0'))
    return "";
  if (tp.substr(0, 2) == "00" && tp.size() != 55) // version 00 has exactly these fields
    return "";
  if (tp.size() > 55 && tp[55] != '-') // a later version may only append "-..." fields
    return "";
  return std::string(trace);
}

delegation::TaskRequest inboundTask(const MessageRequest& m, const ChannelRequest& r,
                                    int64_t timeoutMs) {
  return inboundTask(MessageRequest(m), r, timeoutMs);
}

delegation::TaskRequest inboundTask(MessageRequest&& m, const ChannelRequest& r,
                                    int64_t timeoutMs) {
  delegation::TaskRequest task{m.fromAgent,        std::move(m.task), std::move(m.toAgent),
                               std::move(m.model), m.chainDepth,      timeoutMs};
  task.path = std::move(m.path);
  // The asker's node is the one whose certificate sent the request (CN without ".mesh").
  std::string_view cn = r.peerCn;
  if (cn.size() > 5 && std::equal(cn.end() - 5, cn.end(), ".mesh", [](char a, char b) {
        return (a >= 'A' && a <= 'Z' ? char(a + 32) : a) == b;
      }))
    cn.remove_suffix(5); // as DNS names are: without regard to case
  // An agent certificate (CN agent@node) is that node's, and it says which agent asks: the
  // certificate's word beats the body's fromAgent.
  if (size_t at = cn.rfind('@'); at != std::string_view::npos) {
    task.fromAgent = std::string(cn.substr(0, at));
    cn.remove_prefix(at + 1);
  }
  task.fromNode = std::string(cn);
  task.peerCn = std::string(r.peerCn);
  task.callerClaim = std::move(m.caller);
  task.traceId = traceIdOf(r.header("traceparent"));
  if (task.traceId.empty())
    task.traceId = util::randomHex128("a trace id");
  return task;
}

} // namespace rivet::channel
