// The body of POST /api/message, parsed and validated with RivetOS's error texts.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rivet::channel {

struct MessageRequest {
  std::string fromAgent;
  std::string message; // as sent (the log shows it raw)
  std::string task;    // message without one leading "[Mesh delegation]" and its whitespace
  std::string toAgent; // empty: the default agent
  std::string model;
  int64_t chainDepth = 0;
  int64_t timeoutMs = 120000;
  std::vector<std::string> path; // extension: "agent@node" hops so far (absent from RivetOS)
  std::string caller;            // extension: "cn:<node>" or "unknown", set by a forwarding node
};

// "cn:<node name>" or "unknown" (docs/policy.md, forwarded callers).
bool isCallerField(const std::string& caller);

// Bounds of the `path` extension: a longer chain than this is refused anyway.
constexpr size_t kMaxPathHops = 64;
constexpr size_t kMaxHopBytes = 256;
// Bounds of the numbers: a day is longer than any task a mesh should hold a connection for.
constexpr int64_t kMaxTimeoutMs = 86400000;
constexpr int64_t kMaxChainDepthValue = 1000000;

struct MessageParse {
  std::optional<MessageRequest> request;
  int status = 400;  // when !request
  std::string error; // JSON body when !request
};

// `maxTimeoutMs`: the longest timeoutMs accepted (the task API allows tasks.max_timeout_ms).
MessageParse parseMessageRequest(std::string_view body, int64_t maxTimeoutMs = kMaxTimeoutMs);

// Removes one leading "[Mesh delegation]" and the whitespace after it.
std::string stripDelegationPrefix(std::string_view message);

} // namespace rivet::channel
