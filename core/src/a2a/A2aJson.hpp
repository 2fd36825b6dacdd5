// The JSON of A2A v1.0 (JSON-RPC binding, as @a2a-js/sdk 1.3 speaks it; docs/a2a.md "Wire
// format") made from the task layer's records: Task objects, stream responses, JSON-RPC
// envelopes and errors.
#pragma once

#include "tasks/TaskRecord.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace rivet::a2a {

// A2A's error codes (JSON-RPC binding), and ours for refusals that A2A leaves to HTTP.
enum ErrorCode : int {
  kParseError = -32700,
  kInvalidRequest = -32600,
  kMethodNotFound = -32601,
  kInvalidParams = -32602,
  kInternalError = -32603,
  kRefused = -32000, // with HTTP 401, 403, 429 or 503 (data names the reason)
  kTaskNotFound = -32001,
  kTaskNotCancelable = -32002,
  kPushNotSupported = -32003,
  kUnsupportedOperation = -32004,
  kContentTypeNotSupported = -32005,
  kExtendedCardNotConfigured = -32007,
  kVersionNotSupported = -32009,
};

// "TASK_STATE_COMPLETED" for "completed" (the task layer's states are A2A's, in lower case).
std::string taskState(std::string_view state);
// ISO 8601 UTC with milliseconds, as A2A writes timestamps.
std::string isoTime(int64_t epochMs);

// What an A2A task keeps besides the task layer's record, in its requestJson, which begins with
// kRequestPrefix: {"a2a":{"contextId":"...","message":{...}},"toAgent":...,"message":"<text>"}.
constexpr std::string_view kRequestPrefix = "{\"a2a\":{\"contextId\":";
// The task's A2A context, read from the start of requestJson only; "" for a task that came
// from elsewhere (the task API).
std::string contextOf(const tasks::TaskRecord& task);
// The user's message, its text as one part (the whole requestJson is read); "" likewise.
std::string messageOf(const tasks::TaskRecord& task);

// The Task object: id, contextId, status (a failure's text as the agent's message), the
// answer as the artifact "answer" once completed, and the user's message as history unless
// `historyLength` is 0.
std::string taskJson(const tasks::TaskRecord& task, int64_t historyLength = -1,
                     bool artifacts = true);
// The text of a finished task's result ("response"), "" without one.
std::string resultText(std::string_view resultJson);

// Stream responses: the `result` of one event. `messageJson` may be "".
std::string statusUpdateJson(std::string_view taskId, std::string_view contextId,
                             std::string_view state, std::string_view messageJson, int64_t atMs);
std::string artifactUpdateJson(std::string_view taskId, std::string_view contextId,
                               std::string_view answer);
// An agent's message with one text part; `metadataJson` may be "".
std::string agentMessageJson(std::string_view messageId, std::string_view taskId,
                             std::string_view contextId, std::string_view text,
                             std::string_view metadataJson);

// JSON-RPC envelopes; `idJson` is the request's id as JSON text ("null" when unknown).
std::string rpcResult(std::string_view idJson, std::string_view resultJson);
// An error with google.rpc.ErrorInfo data naming `reason` (e.g. "TASK_NOT_FOUND").
std::string rpcError(std::string_view idJson, int code, std::string_view message,
                     std::string_view reason);
// One SSE event carrying a JSON-RPC response.
std::string sseData(std::string_view json);

} // namespace rivet::a2a
